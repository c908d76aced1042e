;;; document.el --- a code action documents the function at point  -*- lexical-binding: t; -*-

(poe-test-open)
(let ((before (buffer-string)))
  ;; As M-x eglot-code-actions with point in the function's body (no region),
  ;; picking "Document with ..." (kind "refactor").
  (goto-char (point-min))
  (search-forward "total = a")
  (eglot-code-actions (point) (point) "refactor" t)
  (let ((done (poe-test-wait-done 1)))
    (poe-test-write `((status . ,(plist-get done :status))
                      (error . ,(plist-get done :error))
                      (before . ,before)
                      (text . ,(buffer-string))))))
(kill-emacs 0)
;;; document.el ends here

;;; lsp-mode-explain.el --- an explanation picked from the menu, read on hover  -*- lexical-binding: t; -*-

(poe-test-open)
(poe-test-select 1 3)
(poe-test-pick-action "Explain with")
(let ((status (poe-test-wait-idle))
      (hover nil))
  ;; M-x lsp-describe-thing-at-point inside the explained lines.
  (deactivate-mark)
  (goto-char (point-min))
  (forward-line 1)
  (forward-char 6)
  (lsp-describe-thing-at-point)
  (poe-test-wait (lambda () (get-buffer "*lsp-help*")) "the *lsp-help* buffer")
  (setq hover (with-current-buffer "*lsp-help*" (buffer-string)))
  (poe-test-write `((running . ,(lsp-get status :runningJobs))
                    (hover . ,hover))))
(kill-emacs 0)
;;; lsp-mode-explain.el ends here

;;; refactor.el --- a refactor proposed, then accepted through a code action  -*- lexical-binding: t; -*-

(poe-test-open)
(let* ((region (poe-test-region 2 3))
       (before (buffer-string)))
  ;; As M-x eglot-code-actions on the region, picking the refactor.
  (poe-test-code-action (car region) (cdr region) "Refactor with")
  ;; Review mode: nothing is written; the change waits as a hint.
  (poe-test-wait-hints 1)
  (let ((proposed (buffer-string)))
    (poe-test-code-action (car region) (cdr region) "Accept change from")
    (poe-test-idle)
    (poe-test-wait-hints 0)
    (poe-test-write `((before . ,before)
                      (proposed . ,proposed)
                      (text . ,(buffer-string))
                      (messages . ,(poe-test-messages))))))
(kill-emacs 0)
;;; refactor.el ends here

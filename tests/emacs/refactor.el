;;; refactor.el --- a code action refactors a region  -*- lexical-binding: t; -*-

(poe-test-open)
(let* ((region (poe-test-region 2 3))
       (before (buffer-string)))
  ;; As M-x eglot-code-actions on the region, picking the refactor.
  (eglot-code-actions (car region) (cdr region) "refactor.rewrite" t)
  (let ((status (poe-test-wait-idle)))
    (poe-test-write `((running . ,(plist-get status :runningJobs))
                      (messages . ,(poe-test-messages))
                      (before . ,before)
                      (text . ,(buffer-string))))))
(kill-emacs 0)
;;; refactor.el ends here

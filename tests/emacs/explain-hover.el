;;; explain-hover.el --- an explanation, then hover shows it  -*- lexical-binding: t; -*-

(poe-test-open)
(let ((region (poe-test-region 1 3))
      (hover nil))
  ;; As M-x eglot-code-actions on the region, picking the explanation.
  (poe-test-code-action (car region) (cdr region) "Explain with")
  (let ((status (poe-test-wait-idle)))
    ;; Hover inside the explained range, through eglot's own eldoc function.
    (goto-char (car region))
    (forward-line 1)
    (forward-char 6)
    (eglot-hover-eldoc-function (lambda (info &rest _) (setq hover (or info ""))))
    (poe-test-wait (lambda () hover) "hover")
    (poe-test-write `((running . ,(plist-get status :runningJobs))
                      (hover . ,hover)
                      (messages . ,(poe-test-messages))))))
(kill-emacs 0)
;;; explain-hover.el ends here

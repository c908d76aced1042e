;;; review.el --- two hunks: accept one, reject the other, by code actions  -*- lexical-binding: t; -*-

(poe-test-open)
(let ((whole (poe-test-region 1 6)))
  (poe-test-code-action (car whole) (cdr whole) "Refactor with")
  (poe-test-wait-hints 2)
  ;; At the second change (line 5), as M-x eglot-code-actions there.
  (let* ((second (poe-test-region 5 5))
         (offered (poe-test-code-action (car second) (cdr second) "Accept change from")))
    (poe-test-idle)
    (poe-test-wait-hints 1)
    (let ((first (poe-test-region 1 1)))
      (poe-test-code-action (car first) (cdr first) "Reject change from")
      (poe-test-wait-hints 0))
    (poe-test-write `((offered . ,(vconcat offered))
                      (text . ,(buffer-string))
                      (messages . ,(poe-test-messages))))))
(kill-emacs 0)
;;; review.el ends here

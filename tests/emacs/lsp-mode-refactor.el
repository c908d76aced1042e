;;; lsp-mode-refactor.el --- a refactor picked from the menu  -*- lexical-binding: t; -*-

(poe-test-open)
(let ((before (buffer-string)))
  (poe-test-select 2 3)
  (poe-test-pick-action "Refactor with")
  (let ((status (poe-test-wait-idle)))
    (poe-test-write `((running . ,(lsp-get status :runningJobs))
                      (before . ,before)
                      (text . ,(buffer-string))))))
(kill-emacs 0)
;;; lsp-mode-refactor.el ends here

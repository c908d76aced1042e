;;; lsp-mode-refactor.el --- a refactor picked from the menu, its proposal accepted  -*- lexical-binding: t; -*-

;; In the default edits.mode (review) the refactor writes nothing: it proposes,
;; and the user accepts with the code action that carries the edit.
(poe-test-open)
(let ((before (buffer-string)))
  (poe-test-select 2 3)
  (poe-test-pick-action "Refactor with")
  (let ((status (poe-test-wait-idle))
        (proposed (buffer-string)))
    (poe-test-select 2 3)
    (poe-test-pick-action "Accept all")
    (poe-test-wait (lambda () (not (equal (buffer-string) proposed))) "the accepted proposal")
    (poe-test-write `((running . ,(lsp-get status :runningJobs))
                      (before . ,before)
                      (proposed . ,proposed)
                      (text . ,(buffer-string))))))
(kill-emacs 0)
;;; lsp-mode-refactor.el ends here

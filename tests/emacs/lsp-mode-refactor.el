;;; lsp-mode-refactor.el --- a refactor picked from the menu, its proposal accepted  -*- lexical-binding: t; -*-

(poe-test-open)
(let ((before (buffer-string)))
  (poe-test-select 2 3)
  (poe-test-pick-action "Refactor with")
  (let* ((status (poe-test-wait-idle))
         (actions poe-test-offered)
         (proposed (buffer-string)))
    ;; Review mode: the change waits; the menu at it offers to accept it.
    (poe-test-select 2 3)
    (poe-test-pick-action "Accept change from")
    (poe-test-wait (lambda () (zerop (lsp-get (poe-test-status) :proposals)))
                   "the server to see the proposal accepted")
    (poe-test-write `((running . ,(lsp-get status :runningJobs))
                      (actions . ,(vconcat actions))
                      (before . ,before)
                      (proposed . ,proposed)
                      (text . ,(buffer-string))))))
(kill-emacs 0)
;;; lsp-mode-refactor.el ends here

;;; document.el --- a code action documents the function at point  -*- lexical-binding: t; -*-

(poe-test-open)
;; Point in the function's body, no region: "Document with ..." (kind "refactor").
(goto-char (point-min))
(search-forward "total = a")
(let ((before (buffer-string)))
  (poe-test-code-action (point) (point) "Document with")
  ;; Review mode: the doc comment waits as a proposal until it is accepted.
  (poe-test-wait-hints 1)
  (let ((proposed (buffer-string)))
    (poe-test-code-action (point) (point) "Accept change from")
    (poe-test-idle)
    (poe-test-wait-hints 0)
    (let ((status (poe-test-wait-idle)))
      (poe-test-write `((running . ,(plist-get status :runningJobs))
                        (before . ,before)
                        (proposed . ,proposed)
                        (text . ,(buffer-string)))))))
(kill-emacs 0)
;;; document.el ends here

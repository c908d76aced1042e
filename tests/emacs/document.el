;;; document.el --- a code action documents the function at point  -*- lexical-binding: t; -*-

(poe-test-open)
;; Point in the function's body, no region: "Document with ..." (kind "refactor").
(goto-char (point-min))
(search-forward "total = a")
(poe-test-run-action (point) (point) "refactor")
(kill-emacs 0)
;;; document.el ends here

;;; refactor.el --- a code action refactors a region  -*- lexical-binding: t; -*-

(poe-test-open)
(let ((region (poe-test-region 2 3)))
  (poe-test-code-action (car region) (cdr region) "refactor.rewrite"))
(kill-emacs 0)
;;; refactor.el ends here

;;; poe-common.el --- what the Emacs scenarios share  -*- lexical-binding: t; -*-

;; Loaded by poe-test.el (eglot) and lsp-mode-test.el.

(defvar poe-test-tick #'ignore
  "Called after each step of `poe-test-wait' (eglot's helper flushes didChange).")

(defun poe-test-wait (predicate what &optional seconds)
  "Process events until PREDICATE holds; fail after SECONDS (15)."
  (let ((deadline (+ (float-time) (or seconds 15))))
    (while (not (funcall predicate))
      (when (> (float-time) deadline)
        (error "Timed out waiting for %s" what))
      (accept-process-output nil 0.05)
      (funcall poe-test-tick))))

(defun poe-test-messages ()
  "The text of the *Messages* buffer."
  (with-current-buffer (messages-buffer) (buffer-string)))

(provide 'poe-common)
;;; poe-common.el ends here

;;; poe-test.el --- drive eglot against poe-lsp in batch mode  -*- lexical-binding: t; -*-

;; Loaded by tests/test_emacs.py before a test script.  It loads the
;; README's eglot snippet (POE_TEST_SNIPPET) exactly as a user would, names
;; the bot the user picked (POE_TEST_BOT, with POE_TEST_PARAMETERS as its
;; botParameters: JSON), opens POE_TEST_FILE and connects eglot.  Results go
;; to POE_TEST_RESULT as JSON; any error exits non-zero.

(require 'package)
(package-initialize)
(require 'eglot)
(require 'json)
(require 'cl-lib)
(load (expand-file-name "poe-common.el" (file-name-directory load-file-name)) nil t)

(setq eglot-confirm-server-initiated-edits nil) ; apply server edits without asking
(setq make-backup-files nil)

(load (getenv "POE_TEST_SNIPPET") nil t)

;; The user's own choice of bot goes into the snippet's initializationOptions.
(let* ((entry (assoc 'python-mode eglot-server-programs))
       (options (plist-get (cddr entry) :initializationOptions))
       (parameters (json-parse-string (getenv "POE_TEST_PARAMETERS")
                                      :object-type 'plist)))
  (unless options (error "The README snippet has no :initializationOptions"))
  (plist-put options :bot (getenv "POE_TEST_BOT"))
  (plist-put options :botParameters
             (list (intern (concat ":" (getenv "POE_TEST_BOT"))) parameters)))

(defvar poe-test-done nil "The `poe/done' notifications seen, newest first.")

(cl-defmethod eglot-handle-notification (_server (_method (eql poe/done)) &rest params)
  (push params poe-test-done))

(cl-defmethod eglot-handle-notification (_server (_method (eql poe/stream)) &rest _params)
  nil)

(defvar poe-test-hints nil "The `poe' diagnostics of the last publishDiagnostics.")

(cl-defmethod eglot-handle-notification :after
  (_server (_method (eql textDocument/publishDiagnostics)) &key diagnostics
           &allow-other-keys)
  (setq poe-test-hints
        (cl-remove-if-not (lambda (d) (equal (plist-get d :source) "poe"))
                          (append diagnostics nil))))

(defun poe-test-wait-hints (count)
  "Wait until the server shows COUNT pending review hunks as diagnostics."
  (poe-test-wait (lambda () (= (length poe-test-hints) count))
                 (format "%d poe diagnostics" count)))

(defun poe-test-code-action (beg end title)
  "Pick the code action between BEG and END whose title starts with TITLE,
from `eglot-code-actions' menu as a user would; return the titles offered."
  (let ((offered nil)
        ;; As from the keyboard: eglot then asks with `completing-read'.
        (last-nonmenu-event ?\r))
    (cl-letf (((symbol-function 'completing-read)
               (lambda (_prompt items &rest _)
                 (setq offered (mapcar #'car items))
                 (or (car (cl-find-if (lambda (item) (string-prefix-p title (car item)))
                                      items))
                     (error "No code action %S among %S" title offered)))))
      (eglot-code-actions beg end nil t))
    offered))

(defun poe-test-idle ()
  "Do what eglot's idle timer does in an interactive Emacs.
Batch Emacs never becomes idle, so eglot's didChange timer never fires."
  (dolist (buffer (buffer-list))
    (with-current-buffer buffer
      (when (and eglot--managed-mode eglot--change-idle-timer)
        (cancel-timer eglot--change-idle-timer)
        (setq eglot--change-idle-timer nil)
        (eglot--signal-textDocument/didChange)))))

(setq poe-test-tick #'poe-test-idle)

(defun poe-test-open ()
  "Visit POE_TEST_FILE and connect eglot with the README's server entry."
  (switch-to-buffer (find-file-noselect (getenv "POE_TEST_FILE")))
  (python-mode)
  (apply #'eglot (eglot--guess-contact))
  (poe-test-wait (lambda () (and (eglot-current-server) eglot--managed-mode))
                 "eglot to connect"))

(defun poe-test-region (first-line last-line)
  "Positions of the whole lines FIRST-LINE..LAST-LINE (1-based)."
  (save-excursion
    (goto-char (point-min))
    (forward-line (1- first-line))
    (let ((beg (point)))
      (forward-line (1+ (- last-line first-line)))
      (cons beg (point)))))

(defun poe-test-status ()
  "The server's `poe/status' counts, as a plist."
  (jsonrpc-request (eglot-current-server) :poe/status nil))

(defun poe-test-wait-idle ()
  "Wait until the server runs no job: eglot gets no `poe/done' (it did not
ask for `poe/*'), nor progress (eglot 1.9 declares none)."
  (poe-test-wait (lambda () (zerop (plist-get (poe-test-status) :runningJobs)))
                 "the job to end")
  (poe-test-status))

(defun poe-test-write (alist)
  "Write ALIST as JSON to POE_TEST_RESULT."
  (with-temp-file (getenv "POE_TEST_RESULT")
    (insert (json-encode alist))))

(provide 'poe-test)
;;; poe-test.el ends here

;;; lsp-mode-test.el --- drive lsp-mode against poe-lsp in batch mode  -*- lexical-binding: t; -*-

;; Loaded by tests/test_lsp_mode.py before a scenario.  It loads the README's
;; lsp-mode snippet (POE_TEST_SNIPPET) as a user's init file would, names the
;; bot the user picked (POE_TEST_BOT, with POE_TEST_PARAMETERS as its
;; botParameters), opens POE_TEST_FILE with its directory as the project
;; root and starts lsp-mode.  Results go to POE_TEST_RESULT as JSON.

(require 'package)
(package-initialize)
(require 'json)
(require 'cl-lib)
(load (expand-file-name "poe-common.el" (file-name-directory load-file-name)) nil t)

(setq make-backup-files nil)
(setq lsp-enable-snippet nil)           ; no yasnippet here
(setq lsp-session-file (expand-file-name "lsp-session" temporary-file-directory))
(setq lsp-restart 'ignore)
(setq lsp-enable-file-watchers nil)

(defvar poe-test-warnings nil "lsp-mode's `display-warning' calls, newest first.")
(defvar poe-test-progress nil "Every `$/progress' value, newest first.")

;; lsp-mode reports an unknown notification with `display-warning' (a
;; *Warnings* window when interactive): record each of its warnings, then let
;; it happen.  (python-mode's own flymake backend also warns here, that no
;; pyflakes is installed: nothing to do with lsp-mode or poe-lsp.)
(advice-add 'display-warning :before
            (lambda (type message &rest _)
              (when (memq 'lsp-mode (ensure-list type))
                (push (format "%s: %s" type message) poe-test-warnings))))

(require 'lsp-mode)
(load (getenv "POE_TEST_SNIPPET") nil t)

(let* ((client (or (gethash 'poe-lsp lsp-clients)
                   (error "The README snippet registers no client `poe-lsp'")))
       (options (lsp--client-initialization-options client))
       (parameters (json-parse-string (getenv "POE_TEST_PARAMETERS") :object-type 'plist)))
  (unless (lsp--client-add-on? client)
    (error "The README snippet's client is not an add-on"))
  (setf (lsp--client-initialization-options client)
        (append (list :bot (getenv "POE_TEST_BOT")
                      :botParameters (list (intern (concat ":" (getenv "POE_TEST_BOT")))
                                           parameters))
                (if (functionp options) (funcall options) options))))

(let ((record lsp-progress-function))
  (setq lsp-progress-function
        (lambda (workspace params)
          (push (lsp-get params :value) poe-test-progress)
          (funcall record workspace params))))

(defun poe-test-open ()
  "Visit POE_TEST_FILE in its project and start lsp-mode."
  (let ((file (getenv "POE_TEST_FILE")))
    ;; What a user answers when lsp-mode asks for the project root.
    (lsp-workspace-folders-add (file-name-directory file))
    (switch-to-buffer (find-file-noselect file))
    (python-mode)
    (lsp)
    (poe-test-wait (lambda ()
                     (seq-find (lambda (ws) (eq (lsp--workspace-status ws) 'initialized))
                               (lsp-workspaces)))
                   "lsp-mode to start poe-lsp")))

(defun poe-test-select (first-line last-line)
  "Select the whole lines FIRST-LINE..LAST-LINE (1-based), as a user would."
  (transient-mark-mode 1)
  (goto-char (point-min))
  (forward-line (1- first-line))
  (push-mark (point) t t)
  (forward-line (1+ (- last-line first-line))))

(defvar poe-test-offered nil "The titles of each code-action menu, newest first.")

(defun poe-test-pick-action (prefix)
  "M-x lsp-execute-code-action, choosing the entry that starts with PREFIX."
  (cl-letf (((symbol-function 'completing-read)
             (lambda (_prompt collection &rest _)
               (let ((titles (all-completions "" collection)))
                 (push titles poe-test-offered)
                 (or (seq-find (lambda (title) (string-prefix-p prefix title)) titles)
                     (error "No code action %s… in %S" prefix titles))))))
    (call-interactively #'lsp-execute-code-action)))

(defun poe-test-status ()
  "The server's `poe/status' counts, as a plist."
  (lsp-request "poe/status" (list :objects :json-false)))

(defun poe-test-wait-idle ()
  "Wait until the job's progress has ended and the server runs no job."
  (poe-test-wait (lambda () (seq-find (lambda (value) (equal (lsp-get value :kind) "end"))
                                      poe-test-progress))
                 "the end of the job's progress")
  (poe-test-wait (lambda () (zerop (lsp-get (poe-test-status) :runningJobs)))
                 "no job running")
  (poe-test-status))

(defun poe-test-write (alist)
  "Write ALIST, with the warnings, progress ends and messages seen, as JSON."
  (with-temp-file (getenv "POE_TEST_RESULT")
    (insert (json-encode
             (append alist
                     `((warnings . ,(vconcat (reverse poe-test-warnings)))
                       (offered . ,(vconcat (mapcar #'vconcat (reverse poe-test-offered))))
                       (progressEnds
                        . ,(vconcat (delq nil (mapcar (lambda (value)
                                                        (and (equal (lsp-get value :kind) "end")
                                                             (or (lsp-get value :message) "")))
                                                      (reverse poe-test-progress)))))
                       (messages . ,(poe-test-messages))))))))

(provide 'lsp-mode-test)
;;; lsp-mode-test.el ends here

"""The language server: one module per feature, jobs and edit writing.
Imports the core and the Poe side."""

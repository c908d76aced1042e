-- poe-lsp as a plain server config: `vim.lsp.enable('poe')` starts it.
--
-- No `filetypes`: Neovim 0.11 then attaches the server to a buffer of any
-- filetype (every buffer that fires `FileType` and has an empty 'buftype').
-- Override any field with `vim.lsp.config('poe', { ... })` or
-- `require('poe').setup({ server = { ... } })`.

---@type vim.lsp.Config
return {
  cmd = { 'poe-lsp', '--log-file', vim.fn.stdpath('log') .. '/poe-lsp.log' },
  root_markers = { '.git', '.hg', '.jj', 'pyproject.toml', 'package.json', 'Cargo.toml', 'go.mod' },
  capabilities = {
    -- The plugin renders `poe/stream` and `poe/done` itself (a floating window,
    -- a notification for a failure) and review proposals (`poe/proposal`, an
    -- inline diff): the server then sends those, and does not repeat
    -- explanations or failures with window/showMessage.
    experimental = { poe = { stream = true } },
    -- Neovim applies versioned `documentChanges` (and the plugin refuses a
    -- stale one instead of skipping it silently).
    workspace = { workspaceEdit = { documentChanges = true } },
  },
  -- Streamed edits wait for their `didChange` echo: keep the echo prompt.
  flags = { debounce_text_changes = 20 },
  handlers = {
    ['poe/stream'] = function(err, params, ctx)
      return require('poe.jobs').on_stream(err, params, ctx)
    end,
    ['poe/done'] = function(err, params, ctx)
      return require('poe.jobs').on_done(err, params, ctx)
    end,
    ['poe/proposal'] = function(err, params, ctx)
      return require('poe.review').on_proposal(err, params, ctx)
    end,
    ['workspace/applyEdit'] = function(err, params, ctx)
      return require('poe.edits').apply(err, params, ctx)
    end,
    ['window/showMessage'] = function(err, params, ctx)
      return require('poe.jobs').on_show_message(err, params, ctx)
    end,
  },
}

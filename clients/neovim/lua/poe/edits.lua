-- `workspace/applyEdit` for poe-lsp: a streamed refactor arrives as many
-- edits, and all of one job's edits become a single undo step; any other
-- edit (an accepted review proposal) is one undo step of its own.
--
-- Before a job's first edit the undo block is closed (so the job never joins
-- the user's last change); each later edit of the job is joined to the one
-- before with `:undojoin`, as long as nothing else changed the buffer in
-- between (`b:changedtick` is still the one our last edit left).  When the
-- job ends the block is closed again.

local M = {}

---@class poe.UndoState
---@field tick integer? changedtick after the job's last edit

--- Buffers with an editing job in flight.
---@type table<integer, poe.UndoState>
local undo = {}

--- Close the current undo block of a buffer.
---@param bufnr integer
local function close_block(bufnr)
  vim.api.nvim_buf_call(bufnr, function()
    vim.go.undolevels = vim.go.undolevels
  end)
end

--- An editing job is about to start on `bufnr`.
---@param bufnr integer
function M.begin(bufnr)
  undo[bufnr] = { tick = nil }
end

--- An editing job on `bufnr` ended.
---@param bufnr integer
function M.finish(bufnr)
  if undo[bufnr] and vim.api.nvim_buf_is_valid(bufnr) then
    close_block(bufnr)
  end
  undo[bufnr] = nil
end

---@param edit lsp.WorkspaceEdit
---@return integer[] bufnrs, string? stale
local function check_versions(edit)
  local bufs = {}
  for _, change in ipairs(edit.documentChanges or {}) do
    local doc = change.textDocument
    if doc and change.edits then
      local bufnr = vim.uri_to_bufnr(doc.uri)
      table.insert(bufs, bufnr)
      local version = doc.version
      if type(version) == 'number' and vim.api.nvim_buf_is_loaded(bufnr) then
        local current = vim.lsp.util.buf_versions[bufnr]
        if current ~= version then
          return bufs,
            ('%s is at version %d, the edit was made for version %d'):format(
              vim.fn.fnamemodify(vim.uri_to_fname(doc.uri), ':t'),
              current,
              version
            )
        end
      end
    end
  end
  for uri in pairs(edit.changes or {}) do
    table.insert(bufs, vim.uri_to_bufnr(uri))
  end
  return bufs, nil
end

--- The `workspace/applyEdit` handler of the poe client.
---
--- Neovim's own handler prints every edit's label and reports a stale
--- versioned edit as applied although it skips it; this one stays quiet and
--- refuses a stale edit, so the server can recompute it.
---@param params lsp.ApplyWorkspaceEditParams
---@param ctx lsp.HandlerContext
---@return lsp.ApplyWorkspaceEditResult
function M.apply(_, params, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client then
    return { applied = false, failureReason = 'the poe-lsp client has stopped' }
  end
  local bufs, stale = check_versions(params.edit)
  if stale then
    return { applied = false, failureReason = stale }
  end
  local bufnr = #bufs == 1 and bufs[1] or nil
  local state = bufnr and undo[bufnr]
  local ok, err
  if bufnr and state then
    vim.fn.bufload(bufnr)
    vim.api.nvim_buf_call(bufnr, function()
      if state.tick and state.tick == vim.api.nvim_buf_get_changedtick(bufnr) then
        pcall(vim.cmd.undojoin)
      elseif not state.tick then
        vim.go.undolevels = vim.go.undolevels
      end
      ok, err = pcall(vim.lsp.util.apply_workspace_edit, params.edit, client.offset_encoding)
    end)
    state.tick = vim.api.nvim_buf_get_changedtick(bufnr)
  elseif bufnr and vim.api.nvim_buf_is_loaded(bufnr) then
    -- An edit of its own (an accepted proposal): one undo step, neither
    -- joined to the user's last change nor to whatever comes next.
    vim.api.nvim_buf_call(bufnr, function()
      close_block(bufnr)
      ok, err = pcall(vim.lsp.util.apply_workspace_edit, params.edit, client.offset_encoding)
      close_block(bufnr)
    end)
  else
    ok, err = pcall(vim.lsp.util.apply_workspace_edit, params.edit, client.offset_encoding)
  end
  if not ok then
    return { applied = false, failureReason = tostring(err) }
  end
  return { applied = true }
end

return M

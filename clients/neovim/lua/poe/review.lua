-- Review proposals (`edits.mode = "review"`, the server's default): the
-- hunks an edit job proposes for a buffer, kept in step with `poe/done` and
-- `poe/proposal`, drawn inline by `poe.inline`, and accepted or rejected
-- with the server's `poe.accept` / `poe.reject`.

local inline = require('poe.inline')

local M = {}

---@class poe.Hunk : poe.InlineHunk
---@field id integer The server's hunk id (stable within its job).

---@class poe.Proposal
---@field job_id string
---@field client_id integer
---@field bot string
---@field action string
---@field hunks poe.Hunk[] In the server's order.

--- Pending proposals: buffer → job id → proposal.
---@type table<integer, table<string, poe.Proposal>>
local pending = {}

---@param msg string
---@param level? integer
local function notify(msg, level)
  vim.notify(msg, level or vim.log.levels.INFO, { title = 'Poe' })
end

--- The buffer of the client's that holds `uri` (nil when none is loaded:
--- a proposal for a closed file is not drawn).
---@param client_id integer
---@param uri string
---@return integer?
local function buffer_of(client_id, uri)
  local client = vim.lsp.get_client_by_id(client_id)
  for bufnr in pairs(client and client.attached_buffers or {}) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.uri_from_bufnr(bufnr) == uri then
      return bufnr
    end
  end
  return nil
end

--- The rows an LSP range of whole lines replaces: `first`..`last - 1`.
---@param range lsp.Range
---@return integer first, integer last
local function rows_of(range)
  local stop = range['end']
  return range.start.line, stop.line + ((stop.character or 0) > 0 and 1 or 0)
end

--- A hunk's new text as lines (its final line break ends the last line).
---@param text string
---@return string[]
local function lines_of(text)
  local lines = vim.split(text, '\n', { plain = true })
  if lines[#lines] == '' then
    table.remove(lines)
  end
  return lines
end

---@param bufnr integer
---@param job_id string
local function forget(bufnr, job_id)
  local proposal = pending[bufnr] and pending[bufnr][job_id]
  if not proposal then
    return
  end
  for _, hunk in ipairs(proposal.hunks) do
    inline.erase(bufnr, hunk)
  end
  pending[bufnr][job_id] = nil
  if next(pending[bufnr]) == nil then
    pending[bufnr] = nil
  end
end

---@param bufnr integer
---@param job_id string
---@param count integer
local function changed(bufnr, job_id, count)
  vim.api.nvim_exec_autocmds('User', {
    pattern = 'PoeProposal',
    data = { buf = bufnr, jobId = job_id, hunks = count },
    modeline = false,
  })
end

--- Clients already told not to draw the proposal hints.
---@type table<integer, boolean>
local quieted = {}

--- The server also publishes each pending hunk as a Hint diagnostic, for
--- clients that draw no diff. Here the inline diff shows the hunks, so the
--- hints stay in `vim.diagnostic.get()` (and `]d`) but are not drawn again.
---@param client_id integer
local function quiet_hints(client_id)
  if quieted[client_id] then
    return
  end
  quieted[client_id] = true
  vim.diagnostic.config(
    { signs = false, underline = false, virtual_text = false, virtual_lines = false },
    vim.lsp.diagnostic.get_namespace(client_id, false)
  )
end

--- Replace a job's pending hunks with the server's list, and redraw them.
---@param params { jobId: string, uri: string, bot: string, action: string, hunks: { id: integer, range: lsp.Range, newText: string }[] }
---@param client_id integer
---@return integer? bufnr the buffer it is drawn in
function M.update(params, client_id)
  local bufnr = buffer_of(client_id, params.uri)
  if not bufnr then
    return nil
  end
  quiet_hints(client_id)
  forget(bufnr, params.jobId)
  local hunks = params.hunks or {}
  if #hunks > 0 then
    ---@type poe.Proposal
    local proposal = {
      job_id = params.jobId,
      client_id = client_id,
      bot = params.bot,
      action = params.action,
      hunks = {},
    }
    for _, h in ipairs(hunks) do
      ---@type poe.Hunk
      local hunk = { id = h.id, lines = lines_of(h.newText or '') }
      local first, last = rows_of(h.range)
      inline.draw(bufnr, hunk, first, last, true)
      table.insert(proposal.hunks, hunk)
    end
    pending[bufnr] = pending[bufnr] or {}
    pending[bufnr][params.jobId] = proposal
  end
  changed(bufnr, params.jobId, #hunks)
  return bufnr
end

--- `poe/proposal`: a job's pending hunks changed (`hunks` empty: all gone).
function M.on_proposal(_, params, ctx)
  M.update(params, ctx.client_id)
end

--- `poe/done` of an edit job in review mode: draw its proposal and say so.
---@param params { jobId: string, uri: string, bot: string, action: string, proposal: { hunks: table[] } }
---@param client_id integer
function M.on_done(params, client_id)
  local hunks = params.proposal.hunks or {}
  local bufnr = M.update({
    jobId = params.jobId,
    uri = params.uri,
    bot = params.bot,
    action = params.action,
    hunks = hunks,
  }, client_id)
  if not bufnr then
    return
  end
  if #hunks == 0 then
    notify(('Poe: %s proposes no change.'):format(params.bot))
    return
  end
  notify(
    ('Poe: %d %s proposed by %s — :Poe accept / :Poe reject'):format(
      #hunks,
      #hunks == 1 and 'change' or 'changes',
      params.bot
    )
  )
end

--- Every pending hunk of a buffer with its job, ordered by position.
---@param bufnr integer
---@return { hunk: poe.Hunk, proposal: poe.Proposal, first: integer, last: integer }[]
function M.hunks(bufnr)
  local found = {}
  for _, proposal in pairs(pending[bufnr] or {}) do
    for _, hunk in ipairs(proposal.hunks) do
      local first, last = inline.rows(bufnr, hunk)
      if first and last then
        table.insert(found, { hunk = hunk, proposal = proposal, first = first, last = last })
      end
    end
  end
  table.sort(found, function(a, b)
    return a.first < b.first
  end)
  return found
end

--- Send `poe.accept` or `poe.reject`. The hunks are hidden meanwhile (an
--- accepted edit would otherwise show under the old highlight), dropped on
--- success and shown again on an error, which is told once.
---@param bufnr integer
---@param verb 'accept'|'reject'
---@param proposal poe.Proposal
---@param hunks poe.Hunk[] the hunks it acts on
---@param argument { jobId: string, hunk?: integer }
local function send(bufnr, verb, proposal, hunks, argument)
  local client = vim.lsp.get_client_by_id(proposal.client_id)
  if not client then
    forget(bufnr, proposal.job_id)
    notify('Poe: the server that proposed this change has stopped.', vim.log.levels.ERROR)
    return
  end
  for _, hunk in ipairs(hunks) do
    inline.set_visible(bufnr, hunk, false)
  end
  local params = { command = 'poe.' .. verb, arguments = { argument } }
  client:request('workspace/executeCommand', params, function(err)
    local current = pending[bufnr] and pending[bufnr][proposal.job_id]
    -- A `poe/proposal` that arrived meanwhile already redrew the job.
    if current ~= proposal then
      if err then
        require('poe.jobs').error(err.message or tostring(err))
      end
      return
    end
    if err then
      for _, hunk in ipairs(hunks) do
        inline.set_visible(bufnr, hunk, true)
      end
      require('poe.jobs').error(err.message or tostring(err))
      return
    end
    for _, hunk in ipairs(hunks) do
      inline.erase(bufnr, hunk)
    end
    proposal.hunks = vim.tbl_filter(function(hunk)
      return hunk.mark ~= nil
    end, proposal.hunks)
    if #proposal.hunks == 0 then
      forget(bufnr, proposal.job_id)
    end
    changed(bufnr, proposal.job_id, #proposal.hunks)
  end, bufnr)
end

--- Accept or reject the hunk under the cursor, or (`all`) every pending
--- hunk of the buffer.
---@param verb 'accept'|'reject'
---@param all boolean
function M.act(verb, all)
  local bufnr = vim.api.nvim_get_current_buf()
  if not pending[bufnr] then
    notify('Poe: no proposed changes in this buffer.', vim.log.levels.WARN)
    return
  end
  if all then
    for job_id, proposal in pairs(pending[bufnr]) do
      send(bufnr, verb, proposal, proposal.hunks, { jobId = job_id })
    end
    return
  end
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  for _, found in ipairs(M.hunks(bufnr)) do
    if row >= found.first and row < found.last then
      send(bufnr, verb, found.proposal, { found.hunk }, {
        jobId = found.proposal.job_id,
        hunk = found.hunk.id,
      })
      return
    end
  end
  notify(
    ('Poe: no proposed change under the cursor; :Poe! %s acts on all of them.'):format(verb),
    vim.log.levels.WARN
  )
end

--- Move the cursor to the `count`th next (`direction` 1) or previous (-1)
--- hunk; past the last one it wraps around when 'wrapscan' is set.
---@param direction 1|-1
---@param count integer
function M.jump(direction, count)
  local bufnr = vim.api.nvim_get_current_buf()
  local rows = vim.tbl_map(function(found)
    return found.first
  end, M.hunks(bufnr))
  if #rows == 0 then
    notify('Poe: no proposed changes in this buffer.', vim.log.levels.WARN)
    return
  end
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  for _ = 1, count do
    local target ---@type integer?
    for i = direction == 1 and 1 or #rows, direction == 1 and #rows or 1, direction do
      if (rows[i] - row) * direction > 0 then
        target = rows[i]
        break
      end
    end
    if not target and vim.o.wrapscan then
      target = direction == 1 and rows[1] or rows[#rows]
    end
    if not target then
      break
    end
    row = target
  end
  vim.cmd("normal! m'") -- like other jumps: `` goes back
  vim.api.nvim_win_set_cursor(0, { row + 1, 0 })
end

-- A buffer that closes detaches from the server (its marks go with its
-- text), and a server that stops cannot accept its proposals any more:
-- forget them, and erase what is still drawn.
vim.api.nvim_create_autocmd('LspDetach', {
  group = vim.api.nvim_create_augroup('poe.review', { clear = true }),
  callback = function(args)
    for job_id, proposal in pairs(pending[args.buf] or {}) do
      if proposal.client_id == args.data.client_id then
        forget(args.buf, job_id)
        changed(args.buf, job_id, 0)
      end
    end
  end,
})

return M

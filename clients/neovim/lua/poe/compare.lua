-- Compare: one selection sent to 2–4 bots at once (`poe.compare`), each
-- answer streaming into its own window, side by side in a new tab page.
--
-- `:Poe compare [bots…]` explains, `:Poe! compare [bots…]` refactors; with
-- no bots named, the `compare.bots` of the server's settings (`settings` or
-- `init_options`) are used. Each window's bar shows its bot, the time since
-- the compare started, the status and (when the server reports them with
-- `poe.usage`) the points the answer cost. For a refactor, `<CR>` in a
-- window (or `:Poe use`) accepts that answer's proposal: the server rejects
-- the others. `q` closes the compare.

local jobs = require('poe.jobs')

local M = {}

---@class poe.CompareColumn
---@field job_id string
---@field bot string
---@field bufnr integer
---@field win? integer
---@field status? string
---@field seconds? number
---@field points? number

---@class poe.Compare
---@field id string
---@field action 'explain'|'refactor'
---@field bufnr integer the source buffer
---@field client_id integer
---@field started number `vim.uv.hrtime()` when the command was sent
---@field tab? integer
---@field columns poe.CompareColumn[]

--- Column of each compared job, and its compare.
---@type table<string, { compare: poe.Compare, column: poe.CompareColumn }>
local by_job = {}

---@param msg string
---@param level? integer
local function notify(msg, level)
  vim.notify(msg, level or vim.log.levels.INFO, { title = 'Poe' })
end

--- The bots to compare: the ones named, else the server's `compare.bots`.
---@param client vim.lsp.Client
---@param named string
---@return string[]
function M.bots(client, named)
  local bots = vim.split(named or '', '%s+', { trimempty = true })
  if #bots > 0 then
    return bots
  end
  local config = client.config or {}
  for _, source in ipairs({ vim.tbl_get(config, 'settings', 'poe') or {}, config.init_options or {} }) do
    local found = vim.tbl_get(source, 'compare', 'bots') or source['compare.bots']
    if type(found) == 'table' and #found > 0 then
      return found
    end
  end
  return {}
end

--- The text of a window's bar: bot, elapsed time, status, points.
---@param compare poe.Compare
---@param column poe.CompareColumn
---@return string
function M.bar(compare, column)
  local seconds = column.seconds or (vim.uv.hrtime() - compare.started) / 1e9
  local parts = { column.bot, ('%.1f s'):format(seconds), column.status or 'streaming…' }
  if column.points then
    table.insert(parts, ('%s points'):format(column.points))
  end
  if compare.action == 'refactor' and column.status == 'done' then
    table.insert(parts, '<CR> use this')
  end
  -- `%` starts a statusline item: keep the bot's text literal.
  return (' ' .. table.concat(parts, ' · ')):gsub('%%', '%%%%')
end

---@param compare poe.Compare
---@param column poe.CompareColumn
local function redraw_bar(compare, column)
  if column.win and vim.api.nvim_win_is_valid(column.win) then
    vim.wo[column.win].winbar = M.bar(compare, column)
  end
end

---@param column poe.CompareColumn
---@param text string
local function set_text(column, text)
  if vim.api.nvim_buf_is_valid(column.bufnr) then
    vim.bo[column.bufnr].modifiable = true
    vim.api.nvim_buf_set_lines(column.bufnr, 0, -1, false, vim.split(text, '\n', { plain = true }))
    vim.bo[column.bufnr].modifiable = false
  end
end

--- Close a compare's tab page (the source buffer stays where it was).
---@param compare poe.Compare
function M.close(compare)
  if compare.tab and vim.api.nvim_tabpage_is_valid(compare.tab) then
    local number = vim.api.nvim_tabpage_get_number(compare.tab)
    if #vim.api.nvim_list_tabpages() > 1 then
      vim.cmd(number .. 'tabclose')
    end
  end
  for _, column in ipairs(compare.columns) do
    by_job[column.job_id] = nil
    if vim.api.nvim_buf_is_valid(column.bufnr) then
      vim.api.nvim_buf_delete(column.bufnr, { force = true })
    end
  end
end

--- Use one answer of a refactor compare: accept its proposal (the server
--- rejects the others) and close the compare.
---@param job_id string
function M.use(job_id)
  local found = by_job[job_id]
  if not found then
    notify('No compared answer here.', vim.log.levels.WARN)
    return
  end
  local compare, column = found.compare, found.column
  if compare.action ~= 'refactor' then
    notify('Only a refactor compare has answers to use.', vim.log.levels.WARN)
    return
  end
  local client = vim.lsp.get_client_by_id(compare.client_id)
  if not client then
    return
  end
  client:request('workspace/executeCommand', {
    command = 'poe.accept',
    arguments = { { jobId = job_id } },
  }, function(err)
    if err then
      jobs.error(err.message or tostring(err))
      return
    end
    notify(('Used the answer of %s.'):format(column.bot))
    M.close(compare)
  end, compare.bufnr)
end

--- The compared job whose window holds the cursor.
---@return string?
function M.current_job()
  local bufnr = vim.api.nvim_get_current_buf()
  for job_id, found in pairs(by_job) do
    if found.column.bufnr == bufnr then
      return job_id
    end
  end
  return nil
end

--- Open the tab page: one window per bot, side by side.
---@param compare poe.Compare
local function open(compare)
  vim.cmd('tabnew')
  compare.tab = vim.api.nvim_get_current_tabpage()
  local scratch = vim.api.nvim_get_current_buf()
  for i, column in ipairs(compare.columns) do
    if i > 1 then
      vim.cmd('rightbelow vsplit')
    end
    column.win = vim.api.nvim_get_current_win()
    vim.api.nvim_win_set_buf(column.win, column.bufnr)
    vim.wo[column.win].wrap = true
    vim.wo[column.win].linebreak = true
    redraw_bar(compare, column)
    for lhs, run in pairs({
      ['<CR>'] = function()
        M.use(column.job_id)
      end,
      q = function()
        M.close(compare)
      end,
    }) do
      vim.keymap.set('n', lhs, run, { buffer = column.bufnr, nowait = true })
    end
  end
  if vim.api.nvim_buf_is_valid(scratch) and scratch ~= compare.columns[1].bufnr then
    vim.api.nvim_buf_delete(scratch, { force = true })
  end
  vim.cmd('wincmd =')
  vim.api.nvim_set_current_win(compare.columns[1].win)
end

--- Start a compare of the selection (or the cursor line).
---@param opts poe.CommandOpts
---@param named string the bots named on the command line, if any
---@param action 'explain'|'refactor'
function M.start(opts, named, action)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = jobs.require_client(bufnr)
  if not client then
    return
  end
  local bots = M.bots(client, named)
  if #bots < 2 or #bots > 4 then
    notify(
      'Name 2 to 4 bots (:Poe compare GPT-5 Claude-Sonnet-4.5) or set compare.bots.',
      vim.log.levels.ERROR
    )
    return
  end
  local r = require('poe.args').selection(bufnr, opts, jobs.encoding(client))
  local argument = { uri = vim.uri_from_bufnr(bufnr), range = r, action = action, bots = bots }
  local started = vim.uv.hrtime()
  local params = { command = 'poe.compare', arguments = { argument } }
  client:request('workspace/executeCommand', params, function(err, result)
    if err then
      jobs.error(err.message or tostring(err))
      return
    end
    ---@type poe.Compare
    local compare = {
      id = result.compareId,
      action = action,
      bufnr = bufnr,
      client_id = client.id,
      started = started,
      columns = {},
    }
    for _, started_job in ipairs(result.jobs) do
      local column_buf = vim.api.nvim_create_buf(false, true)
      vim.bo[column_buf].filetype = 'markdown'
      vim.bo[column_buf].modifiable = false
      pcall(vim.api.nvim_buf_set_name, column_buf, ('poe://compare/%s/%s'):format(compare.id, started_job.bot))
      local column = { job_id = started_job.jobId, bot = started_job.bot, bufnr = column_buf }
      table.insert(compare.columns, column)
      by_job[column.job_id] = { compare = compare, column = column }
    end
    open(compare)
    for _, column in ipairs(compare.columns) do
      jobs.adopt({
        id = column.job_id,
        action = action,
        bufnr = bufnr,
        client_id = client.id,
        output = 'compare',
      })
    end
  end, bufnr)
end

--- `poe/stream` of a compared job.
---@param params { jobId: string, text: string }
function M.on_stream(params)
  local found = by_job[params.jobId]
  if found then
    set_text(found.column, params.text)
    redraw_bar(found.compare, found.column)
  end
end

--- Ask the server what a finished job cost (`poe.usage`); a server without
--- the command leaves the bar without points.
---@param compare poe.Compare
---@param column poe.CompareColumn
local function ask_points(compare, column)
  local client = vim.lsp.get_client_by_id(compare.client_id)
  if not client then
    return
  end
  local params = { command = 'poe.usage', arguments = { {} } }
  client:request('workspace/executeCommand', params, function(err, usage)
    if err or type(usage) ~= 'table' or type(usage.jobs) ~= 'table' then
      return
    end
    for _, cost in ipairs(usage.jobs) do
      if cost.jobId == column.job_id and type(cost.points) == 'number' then
        column.points = cost.points
        redraw_bar(compare, column)
      end
    end
  end, compare.bufnr)
end

--- `poe/done` of a compared job.
---@param params { jobId: string, status: string, text: string, error?: string }
function M.on_done(params)
  local found = by_job[params.jobId]
  if not found then
    return
  end
  local compare, column = found.compare, found.column
  column.status = params.status
  column.seconds = (vim.uv.hrtime() - compare.started) / 1e9
  local text = params.text ~= '' and params.text or (params.error or params.status)
  set_text(column, text)
  redraw_bar(compare, column)
  if params.status == 'done' then
    ask_points(compare, column)
  end
end

return M

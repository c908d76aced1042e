-- Jobs: starting `poe.*` commands and following what streams back
-- (`poe/stream`, `poe/done`), plus the messages that go with them.

local config = require('poe.config')

local M = {}

---@class poe.Job
---@field id string
---@field action string
---@field bufnr integer
---@field client_id integer
---@field output 'float'|'edit'|'compare'
---@field explanation? poe.Explanation
---@field status? 'done'|'failed'|'cancelled'

---@type table<string, poe.Job>
M.jobs = {}

--- Notifications that arrived before the command's answer named their job.
---@type table<string, { method: string, params: table }[]>
local early = {}

local PREFIX = 'poe-lsp: '

---@param msg string
---@param level integer
local function notify(msg, level)
  vim.notify(msg, level, { title = 'Poe' })
end

---@param pattern string
---@param data table
local function emit(pattern, data)
  vim.api.nvim_exec_autocmds('User', { pattern = pattern, data = data, modeline = false })
end

--- The poe-lsp client attached to a buffer.
---@param bufnr integer
---@return vim.lsp.Client?
function M.client(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr, name = 'poe' })[1]
end

--- The poe-lsp client of a buffer, or nil after telling the user why not.
---@param bufnr integer
---@return vim.lsp.Client?
function M.require_client(bufnr)
  local client = M.client(bufnr)
  if not client then
    notify(
      "poe-lsp is not attached to this buffer. Enable it with vim.lsp.enable('poe'); "
        .. ':checkhealth poe says what is missing.',
      vim.log.levels.ERROR
    )
  end
  return client
end

---@param client vim.lsp.Client
---@return 'utf-8'|'utf-16'|'utf-32'
function M.encoding(client)
  return client.offset_encoding or 'utf-16'
end

--- Running jobs, optionally only those of one buffer.
---@param bufnr? integer
---@return poe.Job[]
function M.running(bufnr)
  local found = {}
  for _, job in pairs(M.jobs) do
    if not job.status and (bufnr == nil or job.bufnr == bufnr) then
      table.insert(found, job)
    end
  end
  return found
end

--- Cancel the running jobs of a buffer, or every job when it has none.
---@param bufnr integer
---@return boolean cancelling false when no job was running
function M.cancel(bufnr)
  local running = M.running(bufnr)
  if #running == 0 then
    running = M.running()
  end
  for _, job in ipairs(running) do
    local client = vim.lsp.get_client_by_id(job.client_id)
    if client then
      client:request('workspace/executeCommand', {
        command = 'poe.cancel',
        arguments = { { jobId = job.id } },
      }, function() end, job.bufnr)
    end
  end
  return #running > 0
end

--- Send a job command; `on_started` gets the job once the server answers.
---@param bufnr integer
---@param command string e.g. 'poe.explain'
---@param argument table the command's one argument object
---@param output 'float'|'edit'
---@param extra? { explanation?: poe.Explanation, on_started?: fun(job: poe.Job, result: table), gathered?: boolean }
function M.start(bufnr, command, argument, output, extra)
  extra = extra or {}
  local client = M.require_client(bufnr)
  if not client then
    return
  end
  if argument.range and not extra.gathered and vim.g.poe_context ~= false then
    -- Definitions from the buffer's other servers first (bounded: poe.context).
    return require('poe.context').gather(bufnr, argument.range, function(items)
      argument.context = #items > 0 and items or nil
      M.start(bufnr, command, argument, output, vim.tbl_extend('force', extra, { gathered = true }))
    end)
  end
  if output == 'edit' then
    require('poe.edits').begin(bufnr)
  end
  local params = { command = command, arguments = { argument } }
  client:request('workspace/executeCommand', params, function(err, result)
    if err then
      if output == 'edit' then
        require('poe.edits').finish(bufnr)
      end
      notify(err.message or tostring(err), vim.log.levels.ERROR)
      return
    end
    if type(result) ~= 'table' or type(result.jobId) ~= 'string' then
      return
    end
    ---@type poe.Job
    local job = {
      id = result.jobId,
      action = command:gsub('^poe%.', ''),
      bufnr = bufnr,
      client_id = client.id,
      output = output,
      explanation = extra.explanation,
    }
    if result.note then
      notify(result.note, vim.log.levels.INFO)
    end
    if extra.on_started then
      extra.on_started(job, result)
    end
    M.adopt(job)
  end, bufnr)
end

--- Follow a started job: what streams back for it (also what arrived before
--- its command's answer named it) reaches its output.
---@param job poe.Job
function M.adopt(job)
  M.jobs[job.id] = job
  for _, pending in ipairs(early[job.id] or {}) do
    M['on_' .. pending.method](nil, pending.params, { client_id = job.client_id })
  end
  early[job.id] = nil
end

--- Find the job a notification is about, or keep the notification for later.
---@param method 'stream'|'done'
---@param params table
---@return poe.Job?
local function job_for(method, params)
  local job = M.jobs[params.jobId]
  if not job and type(params.jobId) == 'string' then
    early[params.jobId] = early[params.jobId] or {}
    table.insert(early[params.jobId], { method = method, params = params })
  end
  return job
end

--- `poe/stream`: the whole answer so far.
---@param params { jobId: string, action: string, bot: string, text: string, delta: string }
function M.on_stream(_, params, _)
  local job = job_for('stream', params)
  if not job then
    return
  end
  if job.output == 'float' and job.explanation then
    job.explanation.text = params.text
    job.explanation.title = ('Poe · %s · %s'):format(
      job.explanation.verb or 'Explain',
      params.bot
    )
    require('poe.float').show(job.explanation)
  elseif job.output == 'compare' then
    require('poe.compare').on_stream(params)
  end
  emit('PoeStream', params)
end

--- `poe/done`: the job's last word.
---@param params { jobId: string, action: string, bot: string, status: string, text: string, error?: string, proposal?: table }
function M.on_done(_, params, _)
  local job = job_for('done', params)
  if not job then
    return
  end
  job.status = params.status
  if job.output == 'float' and job.explanation then
    local explanation = job.explanation
    explanation.text = params.text ~= '' and params.text or (params.error or params.status)
    explanation.status = params.status
    explanation.title = ('Poe · %s · %s'):format(explanation.verb or 'Explain', params.bot)
    local float = require('poe.float')
    local win = float.current()
    -- A cancelled explanation whose window was closed stays closed.
    if win or params.status ~= 'cancelled' then
      float.show(explanation)
    end
  end
  if job.output == 'edit' then
    require('poe.edits').finish(job.bufnr)
  elseif job.output == 'compare' then
    require('poe.compare').on_done(params)
  end
  if params.proposal and params.status == 'done' then
    require('poe.review').on_done(params, job.client_id)
  end
  if params.error then
    local level = params.status == 'failed' and vim.log.levels.ERROR or vim.log.levels.WARN
    notify(params.error, level)
  elseif params.status == 'cancelled' then
    notify(('%s cancelled.'):format(params.action), vim.log.levels.INFO)
  end
  require('poe.follow').on_done(params)
  emit('PoeDone', params)
  require('poe.usage').follow(job)
  M.jobs[job.id] = nil
end

--- Show an error sentence the server answered to one of the plugin's own
--- requests (an accept or a reject it refused).
---@param sentence string
function M.error(sentence)
  notify(sentence, vim.log.levels.ERROR)
end

--- `window/showMessage`: every other server message (settings problems,
--- notices), once, through `vim.notify`. A job's failure is not among them:
--- the server tells it in `poe/done` only, to clients that declare
--- `experimental.poe.stream`.
---@param params lsp.ShowMessageParams
function M.on_show_message(_, params, _)
  local message = params.message or ''
  local levels =
    { vim.log.levels.ERROR, vim.log.levels.WARN, vim.log.levels.INFO, vim.log.levels.DEBUG }
  if vim.startswith(message, PREFIX) then
    message = message:sub(#PREFIX + 1)
  end
  notify(message, levels[params.type] or vim.log.levels.INFO)
  return params
end

--- Progress titles by token: only `begin` carries one.
---@type table<integer|string, string>
local titles = {}

--- Echo the poe-lsp progress in the command line (`LspProgress`).
local progress_group = vim.api.nvim_create_augroup('poe.progress', { clear = true })
vim.api.nvim_create_autocmd('LspProgress', {
  group = progress_group,
  callback = function(args)
    if not config.options.progress then
      return
    end
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if not client or client.name ~= 'poe' then
      return
    end
    local token = args.data.params.token
    local value = args.data.params.value or {}
    if value.kind == 'begin' then
      titles[token] = value.title
    end
    local text = titles[token] or 'Poe'
    if value.kind == 'end' then
      titles[token] = nil
    end
    if value.message and value.message ~= '' then
      text = text .. ': ' .. value.message
    end
    text = text:gsub('%s+', ' ')
    local width = vim.o.columns - 12
    if width > 0 and #text > width then
      text = text:sub(1, width) .. '…'
    end
    vim.api.nvim_echo({ { text } }, false, {})
  end,
})

return M

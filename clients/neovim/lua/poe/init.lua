-- poe.nvim: send a selection to a Poe bot through poe-lsp and stream the
-- answer back. See `:help poe`.

local config = require('poe.config')
local jobs = require('poe.jobs')
local range = require('poe.range')

local M = {}

---@class poe.CommandOpts
---@field range? integer 0, 1 or 2 (as `nvim_create_user_command()` gives it)
---@field line1? integer
---@field line2? integer
---@field bang? boolean

--- Override the defaults; optional. Server fields go to `vim.lsp.config()`.
---@param opts? poe.Config
function M.setup(opts)
  config.set(opts)
  if config.options.server then
    vim.lsp.config('poe', config.options.server)
  end
end

---@param msg string
---@param level? integer
local function notify(msg, level)
  vim.notify(msg, level or vim.log.levels.INFO, { title = 'Poe' })
end

--- The bot chosen with `:Poe bot` for a buffer (or globally), if any.
---@param bufnr integer
---@return string?
function M.bot(bufnr)
  local bot = vim.b[bufnr].poe_bot or vim.g.poe_bot
  if type(bot) == 'string' and bot ~= '' then
    return bot
  end
  return nil
end

---@param bufnr integer
---@param argument table
---@return table
local function with_bot(bufnr, argument)
  argument.bot = M.bot(bufnr)
  return argument
end

--- The command's range, or the cursor line when it has none.
---@param bufnr integer
---@param opts poe.CommandOpts
---@param encoding 'utf-8'|'utf-16'|'utf-32'
---@return lsp.Range
local function selection(bufnr, opts, encoding)
  local r = range.from_command(bufnr, {
    range = opts.range or 0,
    line1 = opts.line1 or 0,
    line2 = opts.line2 or 0,
  }, encoding)
  if r then
    return r
  end
  local line = vim.api.nvim_win_get_cursor(0)[1]
  return range.lines(bufnr, line, line, encoding)
end

---@param a lsp.Range?
---@param b lsp.Range?
---@return boolean
--- What every action starts with: the current buffer and the poe client
--- attached to it (nil, after telling the user, when there is none).
---@return integer bufnr
---@return vim.lsp.Client? client
local function begin()
  local bufnr = vim.api.nvim_get_current_buf()
  return bufnr, jobs.require_client(bufnr)
end

local function same_range(a, b)
  return vim.deep_equal(a, b)
end

--- Explain the selection (or the cursor line) in a floating window. The last
--- explanation of the same, unchanged range is reopened unless `bang`.
---@param opts? poe.CommandOpts
function M.explain(opts)
  opts = opts or {}
  local bufnr, client = begin()
  if not client then
    return
  end
  local r = selection(bufnr, opts, jobs.encoding(client))
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  local float = require('poe.float')
  local last = float.last
  if
    not opts.bang
    and last
    and last.verb == 'Explain'
    and last.bufnr == bufnr
    and last.tick == tick
    and same_range(last.range, r)
    and last.status ~= 'failed'
    and last.status ~= 'cancelled'
  then
    float.show(last)
    return
  end
  ---@type poe.Explanation
  local explanation = {
    bufnr = bufnr,
    range = r,
    tick = tick,
    title = 'Poe · Explain',
    verb = 'Explain',
    text = '',
    status = 'streaming',
  }
  jobs.start(
    bufnr,
    'poe.explain',
    with_bot(bufnr, { uri = vim.uri_from_bufnr(bufnr), range = r }),
    'float',
    {
      explanation = explanation,
      on_started = function()
        float.show(explanation)
      end,
    }
  )
end

--- Rewrite the selection (or the cursor line); asks for an instruction with
--- `vim.ui.input()` when none is given (an empty answer sends none).
---@param opts? poe.CommandOpts
---@param instruction? string
function M.refactor(opts, instruction)
  opts = opts or {}
  local bufnr, client = begin()
  if not client then
    return
  end
  local r = selection(bufnr, opts, jobs.encoding(client))
  local function send(text)
    local argument = { uri = vim.uri_from_bufnr(bufnr), range = r }
    if text and text ~= '' then
      argument.instruction = text
    end
    jobs.start(bufnr, 'poe.refactor', with_bot(bufnr, argument), 'edit')
  end
  if instruction and instruction ~= '' then
    send(instruction)
    return
  end
  vim.ui.input({ prompt = 'Refactor instruction (empty for none): ' }, function(input)
    if input ~= nil then
      send(input)
    end
  end)
end

--- Write the doc comment of the definition under the cursor (or in the range).
---@param opts? poe.CommandOpts
function M.document(opts)
  opts = opts or {}
  local bufnr, client = begin()
  if not client then
    return
  end
  local encoding = jobs.encoding(client)
  local argument = { uri = vim.uri_from_bufnr(bufnr) }
  if (opts.range or 0) > 0 then
    argument.range = selection(bufnr, opts, encoding)
  else
    argument.position = range.cursor(bufnr, encoding)
  end
  jobs.start(bufnr, 'poe.document', with_bot(bufnr, argument), 'edit')
end

--- Neovim diagnostics overlapping a line span, as LSP diagnostics in the
--- client's position encoding.
---@param bufnr integer
---@param first integer 0-based first line
---@param last integer 0-based last line
---@param encoding 'utf-8'|'utf-16'|'utf-32'
---@return lsp.Diagnostic[]
function M.lsp_diagnostics(bufnr, first, last, encoding)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local end_lnum = d.end_lnum or d.lnum
    if d.lnum <= last and end_lnum >= first then
      ---@type lsp.Diagnostic
      local diagnostic = {
        range = {
          start = range.from_bytes(bufnr, d.lnum, d.col, encoding),
          ['end'] = range.from_bytes(bufnr, end_lnum, d.end_col or d.col, encoding),
        },
        severity = d.severity,
        message = d.message,
        source = d.source,
        code = d.code,
      }
      table.insert(found, diagnostic)
    end
  end
  return found
end

--- Fix the diagnostics under the range (or on the cursor line).
---@param opts? poe.CommandOpts
function M.fix(opts)
  opts = opts or {}
  local bufnr, client = begin()
  if not client then
    return
  end
  local encoding = jobs.encoding(client)
  local r ---@type lsp.Range
  if (opts.range or 0) > 0 then
    r = selection(bufnr, opts, encoding)
  else
    local cursor = range.cursor(bufnr, encoding)
    r = { start = cursor, ['end'] = cursor }
  end
  local last = r['end'].line
  if r['end'].character == 0 and last > r.start.line then
    last = last - 1
  end
  local diagnostics = M.lsp_diagnostics(bufnr, r.start.line, last, encoding)
  if #diagnostics == 0 then
    notify('No diagnostics here to fix.', vim.log.levels.WARN)
    return
  end
  local argument = { uri = vim.uri_from_bufnr(bufnr), range = r, diagnostics = diagnostics }
  jobs.start(bufnr, 'poe.fix', with_bot(bufnr, argument), 'edit')
end

--- Ask a free-form question about the selection (or the whole file without a
--- range). With `bang` the answer rewrites the selection instead.
---@param opts? poe.CommandOpts
---@param prompt? string
function M.ask(opts, prompt)
  opts = opts or {}
  local bufnr, client = begin()
  if not client then
    return
  end
  local encoding = jobs.encoding(client)
  local edit = opts.bang == true
  local r = nil ---@type lsp.Range?
  if (opts.range or 0) > 0 or edit then
    r = selection(bufnr, opts, encoding)
  end
  local function send(text)
    local argument = {
      uri = vim.uri_from_bufnr(bufnr),
      range = r,
      prompt = text,
      output = edit and 'edit' or 'explain',
    }
    if edit then
      jobs.start(bufnr, 'poe.ask', with_bot(bufnr, argument), 'edit')
      return
    end
    ---@type poe.Explanation
    local explanation = {
      bufnr = bufnr,
      range = r,
      tick = vim.api.nvim_buf_get_changedtick(bufnr),
      title = 'Poe · Ask',
      verb = 'Ask',
      text = '',
      status = 'streaming',
    }
    jobs.start(bufnr, 'poe.ask', with_bot(bufnr, argument), 'float', {
      explanation = explanation,
      on_started = function()
        require('poe.float').show(explanation)
      end,
    })
  end
  if prompt and prompt ~= '' then
    send(prompt)
    return
  end
  vim.ui.input({ prompt = 'Ask Poe: ' }, function(input)
    if input and input ~= '' then
      send(input)
    end
  end)
end

--- The bots the settings name (`poe.listBots`), synchronously (for completion).
---@param bufnr integer
---@return string[]
function M.bot_names(bufnr)
  local client = jobs.client(bufnr)
  if not client then
    return {}
  end
  local response = client:request_sync(
    'workspace/executeCommand',
    { command = 'poe.listBots', arguments = { vim.empty_dict() } },
    1000,
    bufnr
  )
  local names = {}
  for _, item in ipairs(response and response.result or {}) do
    table.insert(names, item.name)
  end
  return names
end

--- Whether `name` keeps the server's bot-name rule (server/poe_lsp/botnames.py):
--- a letter or digit, then letters, digits, `.`, `-` or `_`, at most 64 in
--- all. A bot is requested at `<base>{name}`: nothing may leave that path.
---@param name any
---@return boolean
function M.is_bot_name(name)
  return type(name) == 'string'
    and #name <= 64
    and name:match('^[A-Za-z0-9][A-Za-z0-9._%-]*$') ~= nil
end

--- Choose the bot for this buffer (`buffer`) or for every buffer; without a
--- name pick one with `vim.ui.select()` from `poe.listBots`. The name
--- `default` goes back to the bots the settings give each action.
---@param name? string
---@param buffer? boolean
function M.choose_bot(name, buffer)
  local bufnr = vim.api.nvim_get_current_buf()
  local function set(bot)
    if bot == 'default' then
      bot = nil
    elseif not M.is_bot_name(bot) then
      notify(
        ('%q is not a Poe bot name: letters, digits, ".", "-" and "_", starting with a letter or digit, at most 64.'):format(
          tostring(bot):sub(1, 80)
        ),
        vim.log.levels.ERROR
      )
      return
    end
    if buffer then
      vim.b[bufnr].poe_bot = bot
    else
      vim.g.poe_bot = bot
    end
    notify(
      ('Poe bot%s: %s'):format(
        buffer and ' for this buffer' or '',
        bot or 'the settings’ default'
      )
    )
  end
  if name and name ~= '' then
    set(name)
    return
  end
  local client = jobs.require_client(bufnr)
  if not client then
    return
  end
  client:request(
    'workspace/executeCommand',
    { command = 'poe.listBots', arguments = { vim.empty_dict() } },
    function(err, result)
      if err then
        notify(err.message, vim.log.levels.ERROR)
        return
      end
      local items = vim.deepcopy(result or {})
      table.insert(items, { name = 'default', actions = {} })
      vim.ui.select(items, {
        prompt = buffer and 'Poe bot for this buffer' or 'Poe bot',
        format_item = function(item)
          if item.name == 'default' then
            return 'default (as the settings say)'
          end
          return ('%s (%s)'):format(item.name, table.concat(item.actions or {}, ', '))
        end,
      }, function(choice)
        if choice then
          set(choice.name)
        end
      end)
    end,
    bufnr
  )
end

--- Cancel the running jobs of this buffer, or every job when it has none.
function M.cancel()
  local bufnr = vim.api.nvim_get_current_buf()
  local running = jobs.running(bufnr)
  if #running == 0 then
    running = jobs.running()
  end
  if #running == 0 then
    notify('No Poe job is running.')
    return
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
end

--- The server's log file (see `lsp/poe.lua`), else Neovim's LSP log.
---@return string
function M.log_path()
  local path = vim.fn.stdpath('log') .. '/poe-lsp.log'
  if vim.uv.fs_stat(path) then
    return path
  end
  return vim.lsp.get_log_path()
end

--- Open the log in a split window.
function M.log()
  vim.cmd('split ' .. vim.fn.fnameescape(M.log_path()))
end

--- Reopen the last explanation.
function M.last()
  if not require('poe.float').reopen() then
    notify('No explanation yet: select code and run :Poe explain.')
  end
end

--- Close the explanation window.
function M.close()
  require('poe.float').close()
end

return M

-- poe.nvim: send a selection to a Poe bot through poe-lsp and stream the
-- answer back. See `:help poe`.
--
-- The public API only: each function reads what the user gave (the command's
-- range, an instruction), builds the command's argument with `poe.args` and
-- starts the job with `poe.jobs`; explanations go to `poe.float`.

local args = require('poe.args')
local config = require('poe.config')
local jobs = require('poe.jobs')

local M = {}

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

--- What every action starts with: the current buffer and the poe client
--- attached to it (nil, after telling the user, when there is none).
---@return integer bufnr
---@return vim.lsp.Client? client
local function begin()
  local bufnr = vim.api.nvim_get_current_buf()
  return bufnr, jobs.require_client(bufnr)
end

--- Start a job whose answer streams into the floating window.
---@param bufnr integer
---@param command string
---@param argument table
---@param verb string 'Explain', 'Ask' or a user action's title
local function into_float(bufnr, command, argument, verb)
  local float = require('poe.float')
  local explanation = float.new(bufnr, argument.range, verb)
  jobs.start(bufnr, command, argument, 'float', {
    explanation = explanation,
    on_started = function()
      float.show(explanation)
    end,
  })
end

M.into_float = into_float

--- Ask with `vim.ui.input()` unless `given` is already non-empty.
---@param given? string
---@param prompt string
---@param on_text fun(text: string) called with the text (possibly empty)
local function text_or_input(given, prompt, on_text)
  if given and given ~= '' then
    on_text(given)
    return
  end
  vim.ui.input({ prompt = prompt }, function(input)
    if input ~= nil then
      on_text(input)
    end
  end)
end

--- The bot chosen with `:Poe bot` for a buffer (or globally), if any.
---@param bufnr integer
---@return string?
function M.bot(bufnr)
  return args.bot(bufnr)
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
  local argument = args.explain(bufnr, opts, jobs.encoding(client))
  local float = require('poe.float')
  local last = not opts.bang and float.reusable(bufnr, argument.range)
  if last then
    float.show(last)
    return
  end
  into_float(bufnr, 'poe.explain', argument, 'Explain')
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
  local r = args.selection(bufnr, opts, jobs.encoding(client))
  text_or_input(instruction, 'Refactor instruction (empty for none): ', function(text)
    jobs.start(bufnr, 'poe.refactor', args.refactor(bufnr, r, text), 'edit')
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
  jobs.start(bufnr, 'poe.document', args.document(bufnr, opts, jobs.encoding(client)), 'edit')
end

--- Neovim diagnostics overlapping a line span, as LSP diagnostics in the
--- client's position encoding.
---@param bufnr integer
---@param first integer 0-based first line
---@param last integer 0-based last line
---@param encoding 'utf-8'|'utf-16'|'utf-32'
---@return lsp.Diagnostic[]
function M.lsp_diagnostics(bufnr, first, last, encoding)
  return args.diagnostics(bufnr, first, last, encoding)
end

--- Fix the diagnostics under the range (or on the cursor line).
---@param opts? poe.CommandOpts
function M.fix(opts)
  opts = opts or {}
  local bufnr, client = begin()
  if not client then
    return
  end
  local argument = args.fix(bufnr, opts, jobs.encoding(client))
  if not argument then
    notify('No diagnostics here to fix.', vim.log.levels.WARN)
    return
  end
  jobs.start(bufnr, 'poe.fix', argument, 'edit')
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
  local edit = opts.bang == true
  local r = args.ask_range(bufnr, opts, jobs.encoding(client))
  text_or_input(prompt, 'Ask Poe: ', function(text)
    if text == '' then
      return
    end
    local argument = args.ask(bufnr, r, text, edit)
    if edit then
      jobs.start(bufnr, 'poe.ask', argument, 'edit')
    else
      into_float(bufnr, 'poe.ask', argument, 'Ask')
    end
  end)
end

--- The bots the server lists (`poe.listBots`), synchronously (for completion).
---@param bufnr integer
---@return string[]
function M.bot_names(bufnr)
  return require('poe.bots').names(bufnr)
end

--- Whether `name` keeps the server's bot-name rule (server/poe_lsp/botnames.py):
--- a letter or digit, then letters, digits, `.`, `-` or `_`, at most 64 in
--- all. A bot is requested at `<base>{name}`: nothing may leave that path.
---@param name any
---@return boolean
function M.is_bot_name(name)
  return require('poe.bots').is_name(name)
end

--- Choose the bot for this buffer (`buffer`) or for every buffer; without a
--- name pick one with `vim.ui.select()` from `poe.listBots`. The name
--- `default` goes back to the bots the settings give each action.
---@param name? string
---@param buffer? boolean
function M.choose_bot(name, buffer)
  require('poe.bots').choose(name, buffer == true)
end

--- Accept the proposed change under the cursor, or with `all` every
--- proposed change of the buffer (one undo step per job).
---@param all? boolean
function M.accept(all)
  require('poe.review').act('accept', all == true)
end

--- Reject the proposed change under the cursor, or with `all` every proposed
--- change of the buffer; the text stays as it is.
---@param all? boolean
function M.reject(all)
  require('poe.review').act('reject', all == true)
end

--- Move the cursor to the next (`direction` 1) or previous (-1) proposed
--- change, `count` times.
---@param direction 1|-1
---@param count? integer
function M.jump(direction, count)
  require('poe.review').jump(direction, count or 1)
end

--- The proposed changes pending in a buffer (for a statusline): their job,
--- bot, hunk id and the 1-based lines they replace (or are shown at).
---@param bufnr? integer
---@return { jobId: string, bot: string, hunk: integer, first: integer, last: integer }[]
function M.proposals(bufnr)
  return vim.tbl_map(function(found)
    return {
      jobId = found.proposal.job_id,
      bot = found.proposal.bot,
      hunk = found.hunk.id,
      first = found.first + 1,
      last = found.last,
    }
  end, require('poe.review').hunks(bufnr or vim.api.nvim_get_current_buf()))
end

--- Cancel the running jobs of this buffer, or every job when it has none.
function M.cancel()
  if not jobs.cancel(vim.api.nvim_get_current_buf()) then
    notify('No Poe job is running.')
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

-- Follow-ups: `:Poe follow [prompt]` continues a finished job's conversation
-- (`poe.followUp`). An explanation's follow-up streams into the float under
-- the answers before it; an edit job's follow-up rewrites the same range
-- again (a new proposal, by the server's `edits.mode`).
--
-- The job followed up on is the float's when the float is open, else the
-- newest finished job of the buffer whose range holds the cursor, else the
-- buffer's last finished job. The "Follow up on …" code action carries no
-- prompt: `vim.lsp.commands['poe.followUp']` (plugin/poe.lua) asks for one here.

local M = {}

---@class poe.Finished
---@field id string
---@field range lsp.Range
---@field output 'float'|'edit'
---@field bot string
---@field explanation? poe.Explanation

--- Finished jobs (status done) per buffer, oldest first; a few are enough.
---@type table<integer, poe.Finished[]>
M.finished = {}

local KEEP = 20
local EDIT_ACTIONS = { refactor = true, document = true, fix = true }

---@param msg string
---@param level? integer
local function notify(msg, level)
  vim.notify(msg, level or vim.log.levels.INFO, { title = 'Poe' })
end

--- Remember a finished job (called by `poe.jobs` on `poe/done`, the job still known).
---@param params table the `poe/done` notification
function M.on_done(params)
  if params.status ~= 'done' or type(params.jobId) ~= 'string' then
    return
  end
  local job = require('poe.jobs').jobs[params.jobId]
  local bufnr = job and job.bufnr or vim.uri_to_bufnr(params.uri)
  local output = job and job.output
    or ((params.proposal or EDIT_ACTIONS[params.action]) and 'edit' or 'float')
  local explanation = job and job.explanation
  if explanation then
    explanation.job_id = params.jobId
  end
  local list = M.finished[bufnr] or {}
  table.insert(list, {
    id = params.jobId,
    range = params.range,
    output = output,
    bot = params.bot,
    explanation = explanation,
  })
  if #list > KEEP then
    table.remove(list, 1)
  end
  M.finished[bufnr] = list
end

---@param range lsp.Range
---@param line integer 0-based
---@return boolean
local function holds(range, line)
  return range.start.line <= line and line <= range['end'].line
end

--- The job a follow-up continues in `bufnr` (see the file's header).
---@param bufnr integer
---@return poe.Finished?
function M.target(bufnr)
  local list = M.finished[bufnr] or {}
  local float = require('poe.float')
  local shown = float.current() and float.last
  if shown and shown.job_id then
    for _, item in pairs(M.finished) do
      for _, finished in ipairs(item) do
        if finished.id == shown.job_id then
          return finished
        end
      end
    end
  end
  local line = vim.api.nvim_win_get_cursor(0)[1] - 1
  for i = #list, 1, -1 do
    if holds(list[i].range, line) then
      return list[i]
    end
  end
  return list[#list]
end

--- Find a finished job by id (for the code action, which names it).
---@param job_id string
---@return poe.Finished?
local function by_id(job_id)
  for _, list in pairs(M.finished) do
    for _, finished in ipairs(list) do
      if finished.id == job_id then
        return finished
      end
    end
  end
  return nil
end

--- Send the follow-up of `finished` with `prompt` from `bufnr`.
---@param bufnr integer
---@param finished poe.Finished
---@param prompt string
---@param bot? string
local function send(bufnr, finished, prompt, bot)
  local jobs = require('poe.jobs')
  local argument = { jobId = finished.id, prompt = prompt, bot = bot }
  if finished.output == 'edit' then
    jobs.start(bufnr, 'poe.followUp', argument, 'edit')
    return
  end
  local float = require('poe.float')
  local before = finished.explanation
  local explanation = float.new(bufnr, finished.range, 'Follow-up')
  -- The new answer goes under the conversation so far, after the question.
  local earlier = before and ((before.prefix or '') .. before.text) or ''
  explanation.prefix = (earlier ~= '' and (earlier .. '\n\n---\n\n') or '')
    .. '**You:** '
    .. prompt
    .. '\n\n'
  jobs.start(bufnr, 'poe.followUp', argument, 'float', {
    explanation = explanation,
    on_started = function()
      float.show(explanation)
    end,
  })
end

--- `:Poe follow [prompt]`: asks for the prompt with `vim.ui.input()` when none is given.
---@param prompt? string
function M.follow(prompt)
  local bufnr = vim.api.nvim_get_current_buf()
  local finished = M.target(bufnr)
  if not finished then
    notify('Nothing to follow up on yet: run :Poe explain (or refactor) first.')
    return
  end
  local function go(text)
    if text and vim.trim(text) ~= '' then
      send(finished.explanation and finished.explanation.bufnr or bufnr, finished, text)
    end
  end
  if prompt and vim.trim(prompt) ~= '' then
    go(prompt)
  else
    vim.ui.input({ prompt = 'Follow up: ' }, go)
  end
end

--- The code action's command: `{jobId, bot}` without a prompt; ask for it.
---@param command lsp.Command
---@param ctx { bufnr: integer }
function M.command(command, ctx)
  local argument = (command.arguments or {})[1] or {}
  local finished = by_id(argument.jobId)
    or {
      id = argument.jobId,
      range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 0 } },
      output = 'float',
      bot = argument.bot,
    }
  local function go(text)
    if text and vim.trim(text) ~= '' then
      send(ctx.bufnr, finished, text)
    end
  end
  if argument.prompt then
    go(argument.prompt)
  else
    vim.ui.input({ prompt = ('Follow up with %s: '):format(argument.bot or 'the bot') }, go)
  end
end

return M

-- What the jobs cost: `poe.usage` (the balance, the session's total, each
-- job's points). Poe's history shows a job's entry only after its answer, so
-- after each `poe/done` the server is asked again a few times until the job's
-- points are known; the explanation float's footer then shows them.

local M = {}

--- The last answer of `poe.usage`.
---@type { balance: integer|vim.NIL|nil, sessionPoints: integer, jobs: { jobId: string, bot: string, points: integer|vim.NIL }[] }?
M.last = nil

--- Milliseconds between asks after a job ends.
M.delays = { 500, 1000, 2000, 3000, 4000 }

---@param points integer
---@return string
function M.points_text(points)
  return ('%d point%s'):format(points, points == 1 and '' or 's')
end

--- Ask the server `poe.usage`; `callback(result)` gets nil when it could not answer.
---@param client vim.lsp.Client
---@param callback fun(result: table?)
function M.fetch(client, callback)
  client:request('workspace/executeCommand', {
    command = 'poe.usage',
    arguments = { vim.empty_dict() },
  }, function(err, result)
    if err or type(result) ~= 'table' then
      callback(nil)
      return
    end
    M.last = result
    callback(result)
  end)
end

--- A job's points in an answer, if known.
---@param result table
---@param job_id string
---@return integer?
local function points_of(result, job_id)
  for _, job in ipairs(result.jobs or {}) do
    if job.jobId == job_id and type(job.points) == 'number' then
      return job.points
    end
  end
  return nil
end

--- After `poe/done`: ask until the job's points are known, then foot its float with them.
---@param job poe.Job
function M.follow(job)
  local client = vim.lsp.get_client_by_id(job.client_id)
  if not client then
    return
  end
  local function ask(attempt)
    if attempt > #M.delays then
      return
    end
    vim.defer_fn(function()
      if client:is_stopped() then
        return
      end
      M.fetch(client, function(result)
        local points = result and points_of(result, job.id)
        if not points then
          ask(attempt + 1)
          return
        end
        local explanation = job.explanation
        if explanation then
          explanation.points = points
          local float = require('poe.float')
          if float.last == explanation and float.current() then
            float.show(explanation)
          end
        end
      end)
    end, M.delays[attempt])
  end
  ask(1)
end

--- One line: the session's spend and the balance.
---@param result table
---@return string
function M.summary(result)
  local balance = type(result.balance) == 'number' and M.points_text(result.balance) or 'unknown'
  return ('this session: %s · balance: %s'):format(M.points_text(result.sessionPoints or 0), balance)
end

--- `:Poe usage`: the balance, the session's spend and each job's points.
function M.show()
  -- The current buffer's server: another one (another project's) has other jobs.
  local client = vim.lsp.get_clients({ bufnr = 0, name = 'poe' })[1]
    or vim.lsp.get_clients({ name = 'poe' })[1]
  if not client then
    vim.notify('poe-lsp is not running.', vim.log.levels.ERROR, { title = 'Poe' })
    return
  end
  M.fetch(client, function(result)
    if not result then
      vim.notify('poe.usage did not answer.', vim.log.levels.ERROR, { title = 'Poe' })
      return
    end
    local lines = { 'Poe usage: ' .. M.summary(result) }
    for _, job in ipairs(result.jobs or {}) do
      local points = type(job.points) == 'number' and M.points_text(job.points) or 'not known yet'
      table.insert(lines, ('  %s (%s): %s'):format(job.jobId, job.bot, points))
    end
    vim.notify(table.concat(lines, '\n'), vim.log.levels.INFO, { title = 'Poe' })
  end)
end

--- For `:checkhealth poe`: the summary of a running client, waiting briefly.
---@param client vim.lsp.Client
---@return string?
function M.summary_sync(client)
  local response = client:request_sync('workspace/executeCommand', {
    command = 'poe.usage',
    arguments = { vim.empty_dict() },
  }, 3000)
  if not response or response.err or type(response.result) ~= 'table' then
    return nil
  end
  M.last = response.result
  return M.summary(response.result)
end

return M

-- `:Poe {name}`: the user-defined actions (Markdown files in the user's
-- config directory and the workspace's `.poe/actions/`) that the server lists
-- with `poe.listActions`, run with `poe.run`.

local args = require('poe.args')
local jobs = require('poe.jobs')

local M = {}

--- The user actions the server offers in a buffer's language, synchronously
--- (for `:Poe` and its completion); {} without a client.
---@param bufnr integer
---@return table[] `{name, title, bot, output, languages, source, path}`
function M.list(bufnr)
  local client = jobs.client(bufnr)
  if not client then
    return {}
  end
  local params = {
    command = 'poe.listActions',
    arguments = { { uri = vim.uri_from_bufnr(bufnr) } },
  }
  local response = client:request_sync('workspace/executeCommand', params, 2000, bufnr)
  local result = response and response.result
  return type(result) == 'table' and result or {}
end

--- The names of the user actions offered in a buffer.
---@param bufnr integer
---@return string[]
function M.names(bufnr)
  local names = {}
  for _, action in ipairs(M.list(bufnr)) do
    table.insert(names, action.name)
  end
  return names
end

--- The user action called `name` in a buffer, if the server lists one.
---@param bufnr integer
---@param name string
---@return table?
function M.find(bufnr, name)
  for _, action in ipairs(M.list(bufnr)) do
    if action.name == name then
      return action
    end
  end
  return nil
end

--- Run `action` on the command's range (or the cursor line); `instruction`
--- fills the template's `{instruction}`. An `explain` action streams into the
--- float, an `edit` action rewrites the range by `edits.mode`.
---@param action table an entry of `M.list()`
---@param opts poe.CommandOpts
---@param instruction? string
function M.run(action, opts, instruction)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = jobs.require_client(bufnr)
  if not client then
    return
  end
  local argument = {
    name = action.name,
    uri = vim.uri_from_bufnr(bufnr),
    range = args.selection(bufnr, opts or {}, jobs.encoding(client)),
  }
  if instruction and instruction ~= '' then
    argument.instruction = instruction
  end
  if action.output == 'edit' then
    jobs.start(bufnr, 'poe.run', argument, 'edit')
  else
    require('poe').into_float(bufnr, 'poe.run', argument, action.title)
  end
end

return M

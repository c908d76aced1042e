-- `:Poe bot`: the bot list from the server (`poe.listBots`) and the choice,
-- kept in `b:poe_bot` (one buffer) or `g:poe_bot` (every buffer).

local jobs = require('poe.jobs')

local M = {}

---@param msg string
---@param level? integer
local function notify(msg, level)
  vim.notify(msg, level or vim.log.levels.INFO, { title = 'Poe' })
end

local LIST_BOTS = { command = 'poe.listBots', arguments = { vim.empty_dict() } }

local NAME_RULE = 'letters, digits, ".", "-" and "_", starting with a letter or digit, at most 64'

--- Whether `name` may name a Poe bot (the server's rule: it becomes part of
--- the request URL): a letter or digit, then up to 63 letters, digits, `.`,
--- `-` or `_`.
---@param name string
---@return boolean
function M.is_name(name)
  return type(name) == 'string'
    and #name <= 64
    and name:match('^[A-Za-z0-9][A-Za-z0-9._%-]*$') ~= nil
end

--- The bots the server lists, synchronously (for completion); {} without a client.
---@param bufnr integer
---@return string[]
function M.names(bufnr)
  local client = jobs.client(bufnr)
  if not client then
    return {}
  end
  local response = client:request_sync('workspace/executeCommand', LIST_BOTS, 1000, bufnr)
  local names = {}
  for _, item in ipairs(response and response.result or {}) do
    table.insert(names, item.name)
  end
  return names
end

--- Remember the choice; `default` forgets it.
---@param bufnr integer
---@param bot string
---@param buffer boolean
local function set(bufnr, bot, buffer)
  if bot ~= 'default' and not M.is_name(bot) then
    notify(('"%s" is not a bot name: %s.'):format(bot, NAME_RULE), vim.log.levels.ERROR)
    return
  end
  local chosen = bot ~= 'default' and bot or nil
  if buffer then
    vim.b[bufnr].poe_bot = chosen
  else
    vim.g.poe_bot = chosen
  end
  notify(
    ('Poe bot%s: %s'):format(
      buffer and ' for this buffer' or '',
      chosen or 'the settings’ default'
    )
  )
end

---@param item { name: string, actions?: string[] }
---@return string
local function format_item(item)
  if item.name == 'default' then
    return 'default (as the settings say)'
  end
  return ('%s (%s)'):format(item.name, table.concat(item.actions or {}, ', '))
end

--- Choose the bot for this buffer (`buffer`) or for every buffer; without a
--- name, pick one with `vim.ui.select()` from `poe.listBots`.
---@param name? string
---@param buffer boolean
function M.choose(name, buffer)
  local bufnr = vim.api.nvim_get_current_buf()
  if name and name ~= '' then
    set(bufnr, name, buffer)
    return
  end
  local client = jobs.require_client(bufnr)
  if not client then
    return
  end
  client:request('workspace/executeCommand', LIST_BOTS, function(err, result)
    if err then
      notify(err.message, vim.log.levels.ERROR)
      return
    end
    local items = vim.deepcopy(result or {})
    table.insert(items, { name = 'default', actions = {} })
    vim.ui.select(items, {
      prompt = buffer and 'Poe bot for this buffer' or 'Poe bot',
      format_item = format_item,
    }, function(choice)
      if choice then
        set(bufnr, choice.name, buffer)
      end
    end)
  end, bufnr)
end

return M

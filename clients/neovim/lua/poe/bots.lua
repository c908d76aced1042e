-- `:Poe bot`: the bot list from the server (`poe.listBots`: the bots the
-- settings name, then Poe's catalogue) and the choice, kept in `b:poe_bot`
-- (one buffer) or `g:poe_bot` (every buffer). Only bots whose answers
-- include text are offered.

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

--- The last `poe.listBots` answer of each client (id → entries): completion
--- reads it instead of asking the server on every <Tab>.
---@type table<integer, table[]>
local listed = {}

--- Whether the bot's answers include text (every action needs text; a bot
--- the catalogue says answers only images is not offered). Unknown: yes.
---@param item { outputModalities?: string[] }
---@return boolean
function M.writes_text(item)
  local outputs = item.outputModalities
  return type(outputs) ~= 'table' or #outputs == 0 or vim.tbl_contains(outputs, 'text')
end

---@param client_id integer
---@param result any
---@return table[]
local function remember(client_id, result)
  local items = {}
  for _, item in ipairs(type(result) == 'table' and result or {}) do
    if type(item) == 'table' and M.is_name(item.name) and M.writes_text(item) then
      table.insert(items, item)
    end
  end
  listed[client_id] = items
  return items
end

--- The bots the server lists (configured first, then Poe's catalogue), for
--- completion: from the plugin's copy once there is one; the first time,
--- asked synchronously (briefly: the catalogue may still be loading, and
--- then the answer arrives in the background for the next <Tab>).
---@param bufnr integer
---@return string[]
function M.names(bufnr)
  local client = jobs.client(bufnr)
  if not client then
    return {}
  end
  local items = listed[client.id]
  if not items then
    local response = client:request_sync('workspace/executeCommand', LIST_BOTS, 1500, bufnr)
    if response and response.result then
      items = remember(client.id, response.result)
    else
      client:request('workspace/executeCommand', LIST_BOTS, function(err, result)
        if not err then
          remember(client.id, result)
        end
      end, bufnr)
      items = {}
    end
  end
  return vim.tbl_map(function(item)
    return item.name
  end, items)
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

---@param item { name: string, actions?: string[], configured?: boolean, ownedBy?: string, description?: string }
---@return string
function M.format_item(item)
  if item.name == 'default' then
    return 'default (as the settings say)'
  end
  local parts = { item.name }
  if item.configured ~= false then
    local actions = item.actions or {}
    table.insert(parts, #actions > 0 and ('(%s)'):format(table.concat(actions, ', ')) or '(allowed)')
  end
  if type(item.ownedBy) == 'string' and item.ownedBy ~= '' then
    table.insert(parts, '· ' .. item.ownedBy)
  end
  if type(item.description) == 'string' and item.description ~= '' then
    table.insert(parts, '— ' .. item.description)
  end
  return table.concat(parts, ' ')
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
    local items = vim.deepcopy(remember(client.id, result))
    table.insert(items, { name = 'default', actions = {} })
    vim.ui.select(items, {
      prompt = buffer and 'Poe bot for this buffer' or 'Poe bot',
      format_item = M.format_item,
      kind = 'poe_bot',
    }, function(choice)
      if choice then
        set(bufnr, choice.name, buffer)
      end
    end)
  end, bufnr)
end

return M

-- `:Poe {subcommand} [args]`: dispatch and completion.

local M = {}

---@class poe.Subcommand
---@field run fun(opts: vim.api.keyset.create_user_command.command_args, rest: string)
---@field complete? fun(arglead: string): string[]

---@type table<string, poe.Subcommand>
M.subcommands = {
  explain = {
    run = function(opts)
      require('poe').explain(opts)
    end,
  },
  refactor = {
    run = function(opts, rest)
      require('poe').refactor(opts, rest)
    end,
  },
  document = {
    run = function(opts)
      require('poe').document(opts)
    end,
  },
  fix = {
    run = function(opts)
      require('poe').fix(opts)
    end,
  },
  ask = {
    run = function(opts, rest)
      require('poe').ask(opts, rest)
    end,
  },
  compare = {
    run = function(opts, rest)
      require('poe.compare').start(opts, rest, opts.bang and 'refactor' or 'explain')
    end,
    complete = function(arglead)
      return vim.tbl_filter(function(name)
        return vim.startswith(name, arglead)
      end, require('poe').bot_names(vim.api.nvim_get_current_buf()))
    end,
  },
  use = {
    run = function()
      local compare = require('poe.compare')
      local job_id = compare.current_job()
      if job_id then
        compare.use(job_id)
      else
        vim.notify('Not in a compare window.', vim.log.levels.WARN, { title = 'Poe' })
      end
    end,
  },
  follow = {
    run = function(_, rest)
      require('poe.follow').follow(rest)
    end,
  },
  bot = {
    run = function(opts, rest)
      require('poe').choose_bot(rest, opts.bang)
    end,
    complete = function(arglead)
      local names = require('poe').bot_names(vim.api.nvim_get_current_buf())
      table.insert(names, 'default')
      return vim.tbl_filter(function(name)
        return vim.startswith(name, arglead)
      end, names)
    end,
  },
  accept = {
    run = function(opts)
      require('poe').accept(opts.bang)
    end,
  },
  reject = {
    run = function(opts)
      require('poe').reject(opts.bang)
    end,
  },
  cancel = {
    run = function()
      require('poe').cancel()
    end,
  },
  log = {
    run = function()
      require('poe').log()
    end,
  },
  last = {
    run = function()
      require('poe').last()
    end,
  },
  close = {
    run = function()
      require('poe').close()
    end,
  },
  usage = {
    run = function()
      require('poe.usage').show()
    end,
  },
}

--- Run `:Poe` with the arguments `nvim_create_user_command()` gives.
---@param opts vim.api.keyset.create_user_command.command_args
function M.run(opts)
  local name, rest = opts.args:match('^%s*(%S+)%s*(.-)%s*$')
  local sub = name and M.subcommands[name]
  local user = not sub and name and require('poe.user_actions')
  local action = user and user.find(vim.api.nvim_get_current_buf(), name)
  if action then
    user.run(action, opts, rest)
    return
  end
  if not sub then
    local names = vim.tbl_keys(M.subcommands)
    table.sort(names)
    vim.notify(
      ('Usage: :Poe {%s}'):format(table.concat(names, ',')),
      vim.log.levels.ERROR,
      { title = 'Poe' }
    )
    return
  end
  sub.run(opts, rest or '')
end

--- Complete subcommands, then their arguments.
---@param arglead string
---@param cmdline string
---@return string[]
function M.complete(arglead, cmdline)
  local words = vim.split(cmdline:gsub("^%s*['<>,%d%%.$]*%s*", ''), '%s+', { trimempty = true })
  -- words[1] is "Poe" (or "Poe!").
  local completing_sub = #words == 1 or (#words == 2 and arglead ~= '')
  if completing_sub then
    local names = vim.tbl_keys(M.subcommands)
    -- The user-defined actions (`poe.listActions`) are subcommands too.
    vim.list_extend(names, require('poe.user_actions').names(vim.api.nvim_get_current_buf()))
    table.sort(names)
    return vim.tbl_filter(function(name)
      return vim.startswith(name, arglead)
    end, names)
  end
  local sub = M.subcommands[words[2]]
  if sub and sub.complete then
    return sub.complete(arglead)
  end
  return {}
end

return M

-- Test helpers loaded into the Neovim under test (tests/test_neovim.py).
--
-- They record what the user would see (notifications, the explanation
-- window, progress) and wait on the plugin's own events (`User PoeStream`,
-- `User PoeDone`, `LspAttach`, `LspProgress`) with a bounded timeout.

local T = {}

---@class poe_test.Events
T.events = {
  stream = {}, ---@type table[]
  done = {}, ---@type table[]
  proposal = {}, ---@type table[]
  notify = {}, ---@type { msg: string, level: integer }[]
  progress = {}, ---@type table[]
  attached = 0,
  edits = 0,
  echoed = {}, ---@type string[]
}

--- Load the plugin the way the README's lazy.nvim spec does, point the
--- server at the fake Poe and enable it.
---@param opts { root: string, env: table<string, string>, setup?: table, enable?: boolean }
function T.setup(opts)
  for name, value in pairs(opts.env or {}) do
    vim.env[name] = value
  end
  vim.o.swapfile = false
  vim.o.shortmess = vim.o.shortmess .. 'F'
  vim.cmd('filetype on')

  -- The README's lazy.nvim `config` function, with plugin.dir = the repository.
  local plugin = { dir = opts.root }
  vim.opt.rtp:prepend(plugin.dir .. '/clients/neovim')
  vim.cmd.runtime('plugin/poe.lua')
  if opts.setup then
    require('poe').setup(opts.setup)
  end
  if opts.enable ~= false then
    vim.lsp.enable('poe')
  end

  vim.notify = function(msg, level)
    table.insert(T.events.notify, { msg = msg, level = level or vim.log.levels.INFO })
  end
  local group = vim.api.nvim_create_augroup('poe_test', { clear = true })
  vim.api.nvim_create_autocmd('User', {
    group = group,
    pattern = 'PoeStream',
    callback = function(args)
      local float = T.float()
      args.data.float_text = float and float.text or vim.NIL
      table.insert(T.events.stream, args.data)
    end,
  })
  for pattern, events in pairs({ PoeDone = T.events.done, PoeProposal = T.events.proposal }) do
    vim.api.nvim_create_autocmd('User', {
      group = group,
      pattern = pattern,
      callback = function(args)
        table.insert(events, args.data)
      end,
    })
  end
  vim.api.nvim_create_autocmd('LspAttach', {
    group = group,
    callback = function()
      T.events.attached = T.events.attached + 1
    end,
  })
  vim.api.nvim_create_autocmd('LspProgress', {
    group = group,
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      table.insert(T.events.progress, {
        client = client and client.name,
        value = args.data.params.value,
        status = vim.lsp.status(),
      })
    end,
  })
  -- Count the poe client's applyEdit requests (the plugin handles them).
  local edits = require('poe.edits')
  local apply = edits.apply
  edits.apply = function(...)
    T.events.edits = T.events.edits + 1
    return apply(...)
  end
end

--- Wait until `predicate()` holds; error with `what` after `timeout` ms.
---@param timeout integer
---@param predicate fun(): boolean
---@param what string
function T.wait(timeout, predicate, what)
  if not vim.wait(timeout, predicate, 10) then
    error(('timed out after %d ms waiting for %s'):format(timeout, what))
  end
end

--- Edit a file and wait until poe-lsp is attached to it.
---@param path string
---@return integer bufnr
function T.open(path)
  local before = T.events.attached
  vim.cmd.edit(vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  T.wait(15000, function()
    return T.events.attached > before
  end, 'poe-lsp to attach')
  return bufnr
end

--- Wait for the `n`th `poe/done` and return it.
---@param n integer
---@param timeout? integer
---@return table
function T.wait_done(n, timeout)
  T.wait(timeout or 15000, function()
    return #T.events.done >= n
  end, ('poe/done #%d'):format(n))
  return T.events.done[n]
end

--- Wait for the first `poe/stream` of a job after `n` earlier ones.
---@param n integer
---@param timeout? integer
---@return table
function T.wait_stream(n, timeout)
  T.wait(timeout or 15000, function()
    return #T.events.stream > n
  end, 'poe/stream')
  return T.events.stream[n + 1]
end

--- Wait until `n` notifications were shown, then a little more (so that a
--- duplicate would have arrived), and return them all.
---@param n integer
---@param settle? integer ms
---@return table[]
function T.wait_notify(n, settle)
  T.wait(15000, function()
    return #T.events.notify >= n
  end, ('%d notification(s)'):format(n))
  vim.wait(settle or 800, function()
    return false
  end, 20)
  return T.events.notify
end

--- What the explanation window shows.
---@return { text: string, filetype: string, wrap: boolean, cursor: integer[], lines: integer, title: string?, footer: string? }?
function T.float()
  local win, buf = require('poe.float').current()
  if not win or not buf then
    return nil
  end
  local cfg = vim.api.nvim_win_get_config(win)
  local function text_of(chunks)
    if type(chunks) ~= 'table' then
      return chunks
    end
    return vim
      .iter(chunks)
      :map(function(chunk)
        return chunk[1]
      end)
      :join('')
  end
  return {
    text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n'),
    filetype = vim.bo[buf].filetype,
    wrap = vim.wo[win].wrap,
    cursor = vim.api.nvim_win_get_cursor(win),
    lines = vim.api.nvim_buf_line_count(buf),
    relative = cfg.relative,
    title = text_of(cfg.title),
    footer = text_of(cfg.footer),
  }
end

--- The screen as the user sees it after a redraw (floats included), one
--- string per row, and the highlight attribute of every cell.
---@return string[] rows, integer[][] attrs
function T.screen()
  vim.cmd('redraw')
  local rows, attrs = {}, {}
  for row = 1, vim.o.lines do
    local chars, row_attrs = {}, {}
    for col = 1, vim.o.columns do
      table.insert(chars, vim.fn.screenstring(row, col))
      table.insert(row_attrs, vim.fn.screenattr(row, col))
    end
    table.insert(rows, table.concat(chars))
    table.insert(attrs, row_attrs)
  end
  return rows, attrs
end

--- The inline diff drawn in the current buffer, top to bottom: each
--- replaced span (1-based lines `first`..`last`, its highlight group) and
--- each block of virtual lines (the line it is attached to, above or below
--- it, the text and highlight of every line).
---@return table[]
function T.inline()
  local ns = require('poe.inline').ns
  local found = {}
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true })) do
    local row, details = mark[2], mark[4]
    if details.hl_group then
      table.insert(found, {
        removed = { row + 1, details.end_row },
        hl = details.hl_group,
        eol = details.hl_eol == true,
      })
    end
    if details.virt_lines then
      table.insert(found, {
        added = vim.tbl_map(function(chunks)
          return chunks[1][1]
        end, details.virt_lines),
        hl = vim.tbl_map(function(chunks)
          return chunks[1][2]
        end, details.virt_lines),
        at = row + 1,
        above = details.virt_lines_above == true,
      })
    end
  end
  -- By line; at one line, what is removed before what is added.
  table.sort(found, function(a, b)
    local la, lb = a.removed and a.removed[1] or a.at, b.removed and b.removed[1] or b.at
    if la ~= lb then
      return la < lb
    end
    return a.removed ~= nil and b.removed == nil
  end)
  return found
end

--- Wait until the current buffer has `n` pending proposed hunks.
---@param n integer
---@return table[] require('poe').proposals()
function T.wait_hunks(n)
  T.wait(15000, function()
    return #require('poe').proposals() == n
  end, ('%d proposed hunk(s)'):format(n))
  return require('poe').proposals()
end

--- The current buffer's text.
---@return string
function T.text()
  return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n') .. '\n'
end

--- Type keys as a user would (mappings apply), and run them now.
---@param keys string
function T.keys(keys)
  vim.api.nvim_feedkeys(vim.keycode(keys), 'mx', false)
end

--- Start a visual selection from `from` to `to` ({row 1-based, byte col
--- 0-based}) in `mode` ('v' or 'V'), then type `keys` in Visual mode.
---@param mode string
---@param from integer[]
---@param to integer[]
---@param keys string
function T.select(mode, from, to, keys)
  vim.api.nvim_win_set_cursor(0, from)
  local move = ('<Cmd>lua vim.api.nvim_win_set_cursor(0, { %d, %d })<CR>'):format(to[1], to[2])
  T.keys(mode .. move .. keys)
end

--- The output of `:checkhealth poe`.
---@return string
function T.checkhealth()
  vim.cmd('checkhealth poe')
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  return text
end

--- Set a diagnostic from another "linter" in the current buffer.
---@param diagnostics vim.Diagnostic[]
function T.set_diagnostics(diagnostics)
  local ns = vim.api.nvim_create_namespace('poe_test.linter')
  vim.diagnostic.set(ns, 0, diagnostics)
end

return T

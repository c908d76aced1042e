-- The floating window that explanations stream into.

local config = require('poe.config')

local M = {}

---@class poe.Explanation
---@field bufnr integer The source buffer.
---@field range lsp.Range? The explained range, as asked.
---@field tick integer The source buffer's changedtick when it was asked.
---@field title string
---@field verb string 'Explain' or 'Ask', for the title.
---@field text string The whole answer so far.
---@field status 'streaming'|'done'|'failed'|'cancelled'

---@type poe.Explanation?
M.last = nil

---@type { buf: integer?, win: integer? }
local state = { buf = nil, win = nil }

local FOOTERS = {
  streaming = ' streaming… ',
  done = ' q closes ',
  failed = ' failed ',
  cancelled = ' cancelled ',
}

---@return boolean
local function win_valid()
  return state.win ~= nil and vim.api.nvim_win_is_valid(state.win)
end

---@return integer
local function ensure_buf()
  if state.buf and vim.api.nvim_buf_is_valid(state.buf) then
    return state.buf
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.bo[buf].bufhidden = 'hide'
  vim.bo[buf].filetype = 'markdown'
  vim.keymap.set('n', 'q', M.close, { buffer = buf, nowait = true, desc = 'Close the Poe window' })
  state.buf = buf
  return buf
end

---@param lines string[]
---@param width integer
---@return integer
local function wrapped_height(lines, width)
  local height = 0
  for _, line in ipairs(lines) do
    height = height + math.max(1, math.ceil(vim.fn.strdisplaywidth(line) / width))
  end
  return height
end

---@param lines string[]
---@return vim.api.keyset.win_config
local function layout(lines)
  local opts = config.options.float or {}
  local width = math.max(20, math.min(opts.max_width or 80, vim.o.columns - 4))
  local max_height = math.max(3, math.min(opts.max_height or 20, vim.o.lines - 4))
  local height = math.max(1, math.min(wrapped_height(lines, width), max_height))
  return {
    relative = 'editor',
    anchor = 'NE',
    row = 1,
    col = vim.o.columns - 1,
    width = width,
    height = height,
  }
end

--- Show an explanation (open the window, or update it in place).
---@param explanation poe.Explanation
function M.show(explanation)
  M.last = explanation
  local buf = ensure_buf()
  local lines = vim.split(explanation.text, '\n', { plain = true })
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false

  local win_config = layout(lines)
  local opts = config.options.float or {}
  -- A title and footer need a border to sit on.
  if (opts.border or 'rounded') ~= 'none' then
    win_config.title = ' ' .. explanation.title .. ' '
    win_config.title_pos = 'left'
    win_config.footer = FOOTERS[explanation.status] or ''
    win_config.footer_pos = 'right'
  end
  if win_valid() then
    vim.api.nvim_win_set_config(state.win, win_config)
  else
    win_config.border = opts.border or 'rounded'
    win_config.style = 'minimal'
    win_config.focusable = true
    state.win = vim.api.nvim_open_win(buf, opts.enter == true, win_config)
    vim.wo[state.win].wrap = true
    vim.wo[state.win].linebreak = true
    vim.wo[state.win].conceallevel = 2
  end
  -- Follow the text as it arrives, unless the reader is in the window.
  if vim.api.nvim_get_current_win() ~= state.win then
    vim.api.nvim_win_set_cursor(state.win, { #lines, 0 })
  end
end

--- Reopen the last explanation; false when there is none.
---@return boolean
function M.reopen()
  if not M.last then
    return false
  end
  M.show(M.last)
  return true
end

--- Close the window (its text stays available to `:Poe last`).
function M.close()
  if win_valid() then
    vim.api.nvim_win_close(state.win, true)
  end
  state.win = nil
end

--- The window and buffer currently showing an explanation, if any.
---@return integer? win
---@return integer? buf
function M.current()
  if win_valid() then
    return state.win, state.buf
  end
  return nil, nil
end

return M

-- The floating window that explanations stream into.
--
-- The window does not take the cursor (unless `float.enter`), so `q` is
-- mapped where the user is: in the float's own buffer, and, while the float
-- is open, in the source buffer. A buffer-local `q` of the user's there is
-- saved and put back when the float closes.

local config = require('poe.config')
local markdown = require('poe.markdown')

local M = {}

---@class poe.Explanation
---@field bufnr integer The source buffer.
---@field range lsp.Range? The explained range, as asked.
---@field tick integer The source buffer's changedtick when it was asked.
---@field title string
---@field verb string 'Explain' or 'Ask', for the title.
---@field text string The whole answer so far.
---@field prefix? string Shown above the answer: a follow-up's conversation so far.
---@field job_id? string The finished job shown (set once it is done).
---@field status 'streaming'|'done'|'failed'|'cancelled'
---@field points? integer What the job cost, once known (`poe.usage`).

---@type poe.Explanation?
M.last = nil

---@class poe.CloseKey
---@field buf integer The source buffer that maps `q` while the float is open.
---@field saved table? The user's own buffer-local `q` there (`maparg()`), if any.

---@type { buf: integer?, win: integer?, key: poe.CloseKey? }
local state = { buf = nil, win = nil, key = nil }

local CLOSE_KEY = 'q'
local CLOSE_DESC = 'Close the Poe window'

local FOOTERS = {
  streaming = ' streaming… · q closes ',
  done = ' q closes ',
  failed = ' failed · q closes ',
  cancelled = ' cancelled · q closes ',
}

--- A new explanation of `range` in `bufnr`, still empty.
---@param bufnr integer
---@param range lsp.Range?
---@param verb 'Explain'|'Ask'|'Follow-up'
---@return poe.Explanation
function M.new(bufnr, range, verb)
  return {
    bufnr = bufnr,
    range = range,
    tick = vim.api.nvim_buf_get_changedtick(bufnr),
    title = 'Poe · ' .. verb,
    verb = verb,
    text = '',
    status = 'streaming',
  }
end

--- The last explanation when it is of the same range of the unchanged
--- buffer and did not fail: reopening it answers without a new job.
---@param bufnr integer
---@param range lsp.Range
---@return poe.Explanation?
function M.reusable(bufnr, range)
  local last = M.last
  if
    last
    and last.verb == 'Explain'
    and last.bufnr == bufnr
    and last.tick == vim.api.nvim_buf_get_changedtick(bufnr)
    and vim.deep_equal(last.range, range)
    and last.status ~= 'failed'
    and last.status ~= 'cancelled'
  then
    return last
  end
  return nil
end

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
  vim.keymap.set('n', CLOSE_KEY, M.close, { buffer = buf, nowait = true, desc = CLOSE_DESC })
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

--- Put back what `q` was in the source buffer before the float opened.
local function unmap_source()
  local key = state.key
  state.key = nil
  if not key or not vim.api.nvim_buf_is_valid(key.buf) then
    return
  end
  vim.api.nvim_buf_call(key.buf, function()
    local current = vim.fn.maparg(CLOSE_KEY, 'n', false, true)
    -- Only our own mapping goes: one the user made meanwhile stays.
    if current.buffer == 1 and current.desc == CLOSE_DESC then
      vim.keymap.del('n', CLOSE_KEY, { buffer = key.buf })
      if key.saved then
        vim.fn.mapset('n', false, key.saved)
      end
    end
  end)
end

--- Map `q` in the source buffer to close the float, keeping the user's own
--- buffer-local `q` (a global one is only shadowed) to put back later.
---@param bufnr integer
local function map_source(bufnr)
  if state.key and state.key.buf == bufnr then
    return
  end
  unmap_source()
  if not vim.api.nvim_buf_is_valid(bufnr) or bufnr == state.buf then
    return
  end
  local saved = vim.api.nvim_buf_call(bufnr, function()
    return vim.fn.maparg(CLOSE_KEY, 'n', false, true)
  end)
  state.key = { buf = bufnr, saved = saved.buffer == 1 and saved or nil }
  vim.keymap.set('n', CLOSE_KEY, M.close, { buffer = bufnr, nowait = true, desc = CLOSE_DESC })
end

--- Show an explanation (open the window, or update it in place).
---@param explanation poe.Explanation
function M.show(explanation)
  M.last = explanation
  local buf = ensure_buf()
  local lines = vim.split((explanation.prefix or '') .. explanation.text, '\n', { plain = true })
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false
  markdown.render(buf, lines)

  local win_config = layout(lines)
  local opts = config.options.float or {}
  -- A title and footer need a border to sit on.
  if (opts.border or 'rounded') ~= 'none' then
    win_config.title = ' ' .. explanation.title .. ' '
    win_config.title_pos = 'left'
    win_config.footer = FOOTERS[explanation.status] or ''
    if explanation.points then
      local cost = require('poe.usage').points_text(explanation.points)
      -- After the status (what the user looks for first), before "q closes".
      win_config.footer = win_config.footer:gsub(' q closes $', ' ' .. cost .. ' · q closes ')
    end
    win_config.footer_pos = 'right'
  end
  if win_valid() then
    vim.api.nvim_win_set_config(state.win, win_config)
  else
    win_config.border = opts.border or 'rounded'
    win_config.style = 'minimal'
    win_config.focusable = true
    local win = vim.api.nvim_open_win(buf, opts.enter == true, win_config)
    state.win = win
    vim.wo[win].wrap = true
    vim.wo[win].linebreak = true
    markdown.window_options(win)
    -- However the window goes (`q`, `:Poe close`, `:close` inside it), `q`
    -- goes back to what it was.
    vim.api.nvim_create_autocmd('WinClosed', {
      pattern = tostring(win),
      once = true,
      callback = function()
        if state.win == win then
          state.win = nil
        end
        unmap_source()
      end,
    })
  end
  map_source(explanation.bufnr)
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
  unmap_source()
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

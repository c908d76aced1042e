-- From Neovim's selections (byte columns) to LSP ranges in the client's
-- position encoding.

local M = {}

---@param bufnr integer
---@param row integer 0-based line
---@return string
local function line_text(bufnr, row)
  return vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
end

--- An LSP position for a 0-based row and 0-based byte column.
---@param bufnr integer
---@param row integer
---@param byte integer
---@param encoding 'utf-8'|'utf-16'|'utf-32'
---@return lsp.Position
function M.position(bufnr, row, byte, encoding)
  local line = line_text(bufnr, row)
  byte = math.max(0, math.min(byte, #line))
  return { line = row, character = vim.str_utfindex(line, encoding, byte, false) }
end

--- Whole lines `first`..`last` (1-based, inclusive), line breaks included.
---@param bufnr integer
---@param first integer
---@param last integer
---@param encoding 'utf-8'|'utf-16'|'utf-32'
---@return lsp.Range
function M.lines(bufnr, first, last, encoding)
  -- The end is the start of the next line; after the last line that is one
  -- line past the end, which the server reads as "the end of the document".
  return {
    start = M.position(bufnr, first - 1, 0, encoding),
    ['end'] = { line = last, character = 0 },
  }
end

--- The last visual selection (the `'<` and `'>` marks) as an exact range.
---@param bufnr integer
---@param mode string `visualmode()`: 'v', 'V' or CTRL-V
---@param encoding 'utf-8'|'utf-16'|'utf-32'
---@return lsp.Range
function M.visual(bufnr, mode, encoding)
  local s = vim.api.nvim_buf_get_mark(bufnr, '<') -- {row 1-based, col 0-based byte}
  local e = vim.api.nvim_buf_get_mark(bufnr, '>')
  if mode ~= 'v' then
    -- Linewise; blockwise selections are sent as the lines they span.
    return M.lines(bufnr, s[1], e[1], encoding)
  end
  local last = line_text(bufnr, e[1] - 1)
  local end_byte ---@type integer
  if vim.o.selection == 'exclusive' then
    end_byte = e[2]
  elseif e[2] >= #last then
    end_byte = #last -- `v$` (col is v:maxcol) or an empty line
  else
    -- '> points at the first byte of the last character: include all of it.
    end_byte = e[2] + vim.str_utf_end(last, e[2] + 1) + 1
  end
  return {
    start = M.position(bufnr, s[1] - 1, s[2], encoding),
    ['end'] = M.position(bufnr, e[1] - 1, end_byte, encoding),
  }
end

--- The range a `:Poe` command was given: the exact visual selection when the
--- command's lines are those of the last visual selection (`:'<,'>Poe ...`),
--- otherwise whole lines; nil without a range.
---@param bufnr integer
---@param opts { range: integer, line1: integer, line2: integer }
---@param encoding 'utf-8'|'utf-16'|'utf-32'
---@return lsp.Range?
function M.from_command(bufnr, opts, encoding)
  if opts.range == 0 then
    return nil
  end
  local s = vim.api.nvim_buf_get_mark(bufnr, '<')
  local e = vim.api.nvim_buf_get_mark(bufnr, '>')
  if opts.range == 2 and s[1] == opts.line1 and e[1] == opts.line2 and s[1] > 0 then
    return M.visual(bufnr, vim.fn.visualmode(), encoding)
  end
  return M.lines(bufnr, opts.line1, opts.line2, encoding)
end

--- The cursor position of the current window.
---@param bufnr integer
---@param encoding 'utf-8'|'utf-16'|'utf-32'
---@return lsp.Position
function M.cursor(bufnr, encoding)
  local cursor = vim.api.nvim_win_get_cursor(0)
  return M.position(bufnr, cursor[1] - 1, cursor[2], encoding)
end

--- A byte position (0-based row and column) as a client position; for
--- diagnostics, whose columns are bytes.
---@param bufnr integer
---@param row integer
---@param col integer
---@param encoding 'utf-8'|'utf-16'|'utf-32'
---@return lsp.Position
function M.from_bytes(bufnr, row, col, encoding)
  local count = vim.api.nvim_buf_line_count(bufnr)
  if row >= count then
    return { line = count, character = 0 }
  end
  return M.position(bufnr, row, col, encoding)
end

return M

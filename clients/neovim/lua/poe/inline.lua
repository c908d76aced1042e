-- The inline diff of a review proposal, drawn with extmarks: the lines a
-- hunk replaces are highlighted (`PoeRemoved`), its new lines are virtual
-- lines under them (`PoeAdded`). The marks move with the user's edits, so
-- they also say where a hunk is now (for "the hunk under the cursor").

local M = {}

M.ns = vim.api.nvim_create_namespace('poe.review')

local function define_highlights()
  vim.api.nvim_set_hl(0, 'PoeRemoved', { link = 'DiffDelete', default = true })
  vim.api.nvim_set_hl(0, 'PoeAdded', { link = 'DiffAdd', default = true })
end
define_highlights()
-- `:colorscheme` clears highlight groups: link them again.
vim.api.nvim_create_autocmd('ColorScheme', {
  group = vim.api.nvim_create_augroup('poe.inline', { clear = true }),
  callback = define_highlights,
})

---@class poe.InlineHunk
---@field lines string[] The hunk's new lines.
---@field mark? integer Spans the replaced lines (empty for a pure insertion).
---@field virt? integer Carries the new lines as virtual lines.
---@field after_last? boolean An insertion after the buffer's last line: the
---   mark sits on that line and the new lines go below it.

--- A line as a virtual line shows it: tabs expanded (virtual text does not
--- expand them), then padded so the highlight spans the window like a diff.
---@param bufnr integer
---@param line string
---@return [string, string][]
local function virtual_line(bufnr, line)
  local tabstop = vim.bo[bufnr].tabstop
  local text = line:gsub('\r$', ''):gsub('\t', string.rep(' ', tabstop))
  local pad = math.max(0, vim.o.columns - vim.fn.strdisplaywidth(text))
  return { { text, 'PoeAdded' }, { string.rep(' ', pad), 'PoeAdded' } }
end

--- Draw (or redraw in place) a hunk that replaces rows `first`..`last - 1`
--- (0-based; `first == last` inserts before row `first`). Hidden, only the
--- mark that tracks the position stays.
---@param bufnr integer
---@param hunk poe.InlineHunk
---@param first integer
---@param last integer
---@param visible boolean
function M.draw(bufnr, hunk, first, last, visible)
  local count = vim.api.nvim_buf_line_count(bufnr)
  first = math.max(0, math.min(first, count))
  last = math.max(first, math.min(last, count))
  hunk.after_last = first == count
  local row = hunk.after_last and count - 1 or first
  local opts = {
    id = hunk.mark,
    end_row = hunk.after_last and row or last,
    end_col = 0,
    -- The range may end past the last line (a hunk at the end of a buffer
    -- whose last line has no line break): clamp instead of failing.
    strict = false,
    priority = 150, -- over syntax, under the cursor line of diff modes
  }
  if visible and last > first then
    opts.hl_group = 'PoeRemoved'
    opts.hl_eol = true
  end
  hunk.mark = vim.api.nvim_buf_set_extmark(bufnr, M.ns, row, 0, opts)

  if hunk.virt then
    vim.api.nvim_buf_del_extmark(bufnr, M.ns, hunk.virt)
    hunk.virt = nil
  end
  if not visible or #hunk.lines == 0 then
    return
  end
  local virt_lines = vim.tbl_map(function(line)
    return virtual_line(bufnr, line)
  end, hunk.lines)
  -- New lines go under the replaced ones, or above the line they are
  -- inserted before.
  local below = last > first or hunk.after_last
  hunk.virt =
    vim.api.nvim_buf_set_extmark(bufnr, M.ns, below and math.max(row, last - 1) or row, 0, {
      virt_lines = virt_lines,
      virt_lines_above = not below,
      strict = false,
    })
end

--- Where a hunk is now: the rows it replaces, `first`..`last - 1` (for an
--- insertion `first == last`: it goes before row `first`).
---@param bufnr integer
---@param hunk poe.InlineHunk
---@return integer? first, integer? last nil when the mark is gone
function M.position(bufnr, hunk)
  if not hunk.mark then
    return nil, nil
  end
  local mark = vim.api.nvim_buf_get_extmark_by_id(bufnr, M.ns, hunk.mark, { details = true })
  if not mark[1] then
    return nil, nil
  end
  if hunk.after_last then
    return mark[1] + 1, mark[1] + 1
  end
  local details = mark[3] or {}
  return mark[1], math.max(mark[1], details.end_row or mark[1])
end

--- The rows a hunk occupies for the cursor: the replaced lines, or for an
--- insertion the line its new lines are shown next to.
---@param bufnr integer
---@param hunk poe.InlineHunk
---@return integer? first, integer? last 0-based, `last` exclusive
function M.rows(bufnr, hunk)
  local first, last = M.position(bufnr, hunk)
  if not first or not last then
    return nil, nil
  end
  if last > first then
    return first, last
  end
  local row = hunk.after_last and first - 1 or first
  return row, row + 1
end

--- Show or hide a drawn hunk where it is now.
---@param bufnr integer
---@param hunk poe.InlineHunk
---@param visible boolean
function M.set_visible(bufnr, hunk, visible)
  local first, last = M.position(bufnr, hunk)
  if first and last then
    M.draw(bufnr, hunk, first, last, visible)
  end
end

--- Remove a hunk's marks.
---@param bufnr integer
---@param hunk poe.InlineHunk
function M.erase(bufnr, hunk)
  for _, id in ipairs({ hunk.mark, hunk.virt }) do
    pcall(vim.api.nvim_buf_del_extmark, bufnr, M.ns, id)
  end
  hunk.mark, hunk.virt = nil, nil
end

return M

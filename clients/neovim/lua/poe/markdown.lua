-- How an answer reads in the floating window: the buffer keeps the bot's
-- Markdown as it came (so a yank gives the source), and the window shows it
-- rendered: Neovim's bundled Markdown tree-sitter highlighting (which hides
-- code fences and emphasis markers under 'conceallevel'), plus headings
-- without their `#` markers, highlighted as headings. Tree-sitter highlights
-- a heading but does not hide its markers, and without a parser (or with
-- syntax off) nothing else would.

local M = {}

local ns = vim.api.nvim_create_namespace('poe.markdown')

--- ATX headings outside fenced code: 0-based row, marker width (with the
--- space after it) and level.
---@param lines string[]
---@return { row: integer, width: integer, level: integer }[]
function M.headings(lines)
  local found = {}
  local fence = nil ---@type string?
  for i, line in ipairs(lines) do
    local ticks = line:match('^ ? ? ?(```+)') or line:match('^ ? ? ?(~~~+)')
    if ticks then
      -- A fence closes with the same character, at least as many times.
      if fence == nil then
        fence = ticks
      elseif ticks:sub(1, 1) == fence:sub(1, 1) and #ticks >= #fence then
        fence = nil
      end
    elseif fence == nil then
      local marker, level = line:match('^( ? ? ?(#+)[ \t]+)%S')
      if marker and #level <= 6 then
        table.insert(found, { row = i - 1, width = #marker, level = #level })
      end
    end
  end
  return found
end

--- Highlight the buffer's Markdown and hide its heading markers.
---@param buf integer
---@param lines string[] the buffer's lines
function M.render(buf, lines)
  if not vim.b[buf].poe_treesitter then
    -- Bundled with Neovim 0.10+; without it the 'filetype' syntax applies.
    vim.b[buf].poe_treesitter = pcall(vim.treesitter.start, buf, 'markdown')
  end
  vim.api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  for _, heading in ipairs(M.headings(lines)) do
    vim.api.nvim_buf_set_extmark(buf, ns, heading.row, 0, {
      end_col = heading.width,
      conceal = '',
    })
    vim.api.nvim_buf_set_extmark(buf, ns, heading.row, heading.width, {
      end_col = #lines[heading.row + 1],
      hl_group = ('@markup.heading.%d'):format(heading.level),
    })
  end
end

--- Window options the rendering needs: markers hidden, also on the cursor line.
---@param win integer
function M.window_options(win)
  vim.wo[win].conceallevel = 2
  vim.wo[win].concealcursor = 'nc'
end

M.namespace = ns

return M

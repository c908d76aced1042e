-- From a `:Poe` command to the one argument object of a `poe.*` server
-- command: the range (an exact visual selection, whole lines, or the cursor),
-- the diagnostics for `poe.fix`, and the bot chosen with `:Poe bot`.
-- Reads the buffer and its marks; sends nothing.

local range = require('poe.range')

local M = {}

---@class poe.CommandOpts
---@field range? integer 0, 1 or 2 (as `nvim_create_user_command()` gives it)
---@field line1? integer
---@field line2? integer
---@field bang? boolean

---@alias poe.Encoding 'utf-8'|'utf-16'|'utf-32'

--- The bot chosen with `:Poe bot` for a buffer (or globally), if any.
---@param bufnr integer
---@return string?
function M.bot(bufnr)
  local bot = vim.b[bufnr].poe_bot or vim.g.poe_bot
  if type(bot) == 'string' and bot ~= '' then
    return bot
  end
  return nil
end

---@param opts poe.CommandOpts
---@return boolean
local function has_range(opts)
  return (opts.range or 0) > 0
end

--- The command's range, or the cursor line when it has none.
---@param bufnr integer
---@param opts poe.CommandOpts
---@param encoding poe.Encoding
---@return lsp.Range
function M.selection(bufnr, opts, encoding)
  local r = range.from_command(bufnr, {
    range = opts.range or 0,
    line1 = opts.line1 or 0,
    line2 = opts.line2 or 0,
  }, encoding)
  if r then
    return r
  end
  local line = vim.api.nvim_win_get_cursor(0)[1]
  return range.lines(bufnr, line, line, encoding)
end

--- The argument every job command shares: the document and the chosen bot.
---@param bufnr integer
---@param fields table
---@return table
local function argument(bufnr, fields)
  fields.uri = vim.uri_from_bufnr(bufnr)
  fields.bot = M.bot(bufnr)
  return fields
end

--- `poe.explain`: the selection (or the cursor line).
---@param bufnr integer
---@param opts poe.CommandOpts
---@param encoding poe.Encoding
---@return table
function M.explain(bufnr, opts, encoding)
  return argument(bufnr, { range = M.selection(bufnr, opts, encoding) })
end

--- `poe.refactor`: the selection, and the instruction unless it is empty.
---@param bufnr integer
---@param r lsp.Range
---@param instruction? string
---@return table
function M.refactor(bufnr, r, instruction)
  local fields = { range = r }
  if instruction and instruction ~= '' then
    fields.instruction = instruction
  end
  return argument(bufnr, fields)
end

--- `poe.document`: the range when the command has one, else the cursor.
---@param bufnr integer
---@param opts poe.CommandOpts
---@param encoding poe.Encoding
---@return table
function M.document(bufnr, opts, encoding)
  if has_range(opts) then
    return argument(bufnr, { range = M.selection(bufnr, opts, encoding) })
  end
  return argument(bufnr, { position = range.cursor(bufnr, encoding) })
end

--- Neovim diagnostics overlapping a line span, as LSP diagnostics in the
--- client's position encoding.
---@param bufnr integer
---@param first integer 0-based first line
---@param last integer 0-based last line
---@param encoding poe.Encoding
---@return lsp.Diagnostic[]
function M.diagnostics(bufnr, first, last, encoding)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local end_lnum = d.end_lnum or d.lnum
    -- poe's own hints mark proposed changes, not problems to fix.
    if d.lnum <= last and end_lnum >= first and d.source ~= 'poe' then
      ---@type lsp.Diagnostic
      local diagnostic = {
        range = {
          start = range.from_bytes(bufnr, d.lnum, d.col, encoding),
          ['end'] = range.from_bytes(bufnr, end_lnum, d.end_col or d.col, encoding),
        },
        severity = d.severity,
        message = d.message,
        source = d.source,
        code = d.code,
      }
      table.insert(found, diagnostic)
    end
  end
  return found
end

--- `poe.fix`: the range (or the cursor) and the diagnostics on its lines;
--- nil when there are none.
---@param bufnr integer
---@param opts poe.CommandOpts
---@param encoding poe.Encoding
---@return table?
function M.fix(bufnr, opts, encoding)
  local r ---@type lsp.Range
  if has_range(opts) then
    r = M.selection(bufnr, opts, encoding)
  else
    local cursor = range.cursor(bufnr, encoding)
    r = { start = cursor, ['end'] = cursor }
  end
  -- A range ending at column 0 of a line does not include that line.
  local last = r['end'].line
  if r['end'].character == 0 and last > r.start.line then
    last = last - 1
  end
  local diagnostics = M.diagnostics(bufnr, r.start.line, last, encoding)
  if #diagnostics == 0 then
    return nil
  end
  return argument(bufnr, { range = r, diagnostics = diagnostics })
end

--- The range `poe.ask` is about: the command's range, the cursor line for an
--- edit (`bang`), or nil (the whole file).
---@param bufnr integer
---@param opts poe.CommandOpts
---@param encoding poe.Encoding
---@return lsp.Range?
function M.ask_range(bufnr, opts, encoding)
  if has_range(opts) or opts.bang == true then
    return M.selection(bufnr, opts, encoding)
  end
  return nil
end

--- `poe.ask`: the prompt, where its answer goes, and the range if any.
---@param bufnr integer
---@param r lsp.Range?
---@param prompt string
---@param edit boolean the answer rewrites the range
---@return table
function M.ask(bufnr, r, prompt, edit)
  return argument(bufnr, { range = r, prompt = prompt, output = edit and 'edit' or 'explain' })
end

return M

---@class poe.FloatConfig
---@field border? string|string[] Border of the explanation window (see `nvim_open_win()`).
---@field max_width? integer Widest the window grows, in columns.
---@field max_height? integer Tallest the window grows, in lines.
---@field enter? boolean Move the cursor into the window when it opens.

---@class poe.Config
---@field float? poe.FloatConfig The floating window that explanations stream into.
---@field progress? boolean Echo the running job's progress in the command line.
---@field server? vim.lsp.Config Overrides for `lsp/poe.lua`, passed to `vim.lsp.config('poe', ...)`.

local M = {}

---@type poe.Config
M.defaults = {
  float = {
    border = 'rounded',
    max_width = 80,
    max_height = 20,
    enter = false,
  },
  progress = true,
  server = nil,
}

---@type poe.Config
M.options = vim.deepcopy(M.defaults)

--- Merge user options over the defaults (only what is given changes).
---@param opts? poe.Config
function M.set(opts)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
end

return M

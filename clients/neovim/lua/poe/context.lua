-- Definitions of what a selection calls, from the buffer's other language
-- servers, for a job's `context` argument (README "Workspace context").
--
-- Bounded so that a job never waits long: at most `max_names` names (the
-- identifiers called in the selection, in order), one `textDocument/definition`
-- request each to every other client that supports it, and whatever has
-- answered after `timeout_ms` is sent. Definitions in the job's own file are
-- left out (the server sends that file's context itself).

local M = {}

--- Names looked up per job.
M.max_names = 5
--- Milliseconds the job waits for the other servers' answers.
M.timeout_ms = 500
--- Definitions sent per job.
M.max_items = 8
--- The largest file the server reads as context (its workspace index's limit).
M.max_file_bytes = 512000

local KEYWORDS = {
  ['if'] = true,
  ['for'] = true,
  ['while'] = true,
  ['switch'] = true,
  ['return'] = true,
  ['function'] = true,
  ['catch'] = true,
  ['print'] = true,
  ['def'] = true,
  ['elif'] = true,
  ['and'] = true,
  ['or'] = true,
  ['not'] = true,
  ['sizeof'] = true,
}

--- The identifiers called in a range (`name(`), with their 0-based line and byte column.
---@param bufnr integer
---@param r lsp.Range
---@return { name: string, line: integer, col: integer }[]
function M.called_names(bufnr, r)
  local found, seen = {}, {}
  local first, last = r.start.line, r['end'].line
  local lines = vim.api.nvim_buf_get_lines(bufnr, first, last + 1, false)
  for i, text in ipairs(lines) do
    for col, name in text:gmatch('()([%a_][%w_]*)%s*%(') do
      if not seen[name] and not KEYWORDS[name] and #found < M.max_names then
        seen[name] = true
        table.insert(found, { name = name, line = first + i - 1, col = col - 1 })
      end
    end
  end
  return found
end

---@param result any the answer to `textDocument/definition`
---@return { uri: string, range: lsp.Range }[]
local function locations(result)
  if type(result) ~= 'table' then
    return {}
  end
  if result.uri or result.targetUri then
    result = { result }
  end
  local out = {}
  for _, loc in ipairs(result) do
    local uri = loc.targetUri or loc.uri
    local range = loc.targetRange or loc.range
    if type(uri) == 'string' and type(range) == 'table' then
      table.insert(out, { uri = uri, range = range })
    end
  end
  return out
end

--- Whether poe-lsp will read `uri` as context: a buffer attached to it, or a
--- regular file whose real path lies inside one of its workspace folders. The
--- server refuses the whole job for any other (README "Workspace context"), and
--- other servers point outside for library code (pyright: typeshed's builtins).
---@param poe vim.lsp.Client
---@param uri string
---@return boolean
local function readable(poe, uri)
  for b in pairs(poe.attached_buffers) do
    if vim.uri_from_bufnr(b) == uri then
      return true
    end
  end
  local ok, path = pcall(vim.uri_to_fname, uri)
  local real = ok and uri:match('^file:') and vim.uv.fs_realpath(path)
  local stat = real and vim.uv.fs_stat(real)
  if not stat or stat.type ~= 'file' or stat.size > M.max_file_bytes then
    return false
  end
  real = vim.fs.normalize(real)
  for _, folder in ipairs(poe.workspace_folders or {}) do
    local root = vim.uv.fs_realpath(vim.uri_to_fname(folder.uri))
    root = root and vim.fs.normalize(root)
    if root and (real == root or vim.startswith(real, root .. '/')) then
      return true
    end
  end
  return false
end

--- The position of byte column `col` of `line` in a client's encoding.
---@param bufnr integer
local function position(bufnr, line, col, encoding)
  local ok, character = pcall(vim.lsp.util.character_offset, bufnr, line, col, encoding)
  return { line = line, character = ok and character or col }
end

--- Ask the buffer's other language servers where the selection's names are
--- defined; `done(items)` gets the `context` items (possibly none), once.
---@param bufnr integer
---@param r lsp.Range the job's range
---@param done fun(items: { uri: string, range: lsp.Range }[])
function M.gather(bufnr, r, done)
  local names = M.called_names(bufnr, r)
  local poe = vim.lsp.get_clients({ bufnr = bufnr, name = 'poe' })[1]
  local clients = {}
  for _, client in ipairs(vim.lsp.get_clients({ bufnr = bufnr })) do
    if client.name ~= 'poe' and client:supports_method('textDocument/definition', bufnr) then
      table.insert(clients, client)
    end
  end
  if not poe or #names == 0 or #clients == 0 then
    done({})
    return
  end
  local own = vim.uri_from_bufnr(bufnr)
  local items, keys = {}, {}
  local pending, finished = #names * #clients, false
  local function finish()
    if not finished then
      finished = true
      done(items)
    end
  end
  local timer = vim.defer_fn(finish, M.timeout_ms)
  for _, client in ipairs(clients) do
    for _, n in ipairs(names) do
      local params = {
        textDocument = { uri = own },
        position = position(bufnr, n.line, n.col, client.offset_encoding or 'utf-16'),
      }
      client:request('textDocument/definition', params, function(err, result)
        for _, loc in ipairs(err and {} or locations(result)) do
          local key = loc.uri .. ':' .. loc.range.start.line
          if
            loc.uri ~= own
            and not keys[key]
            and #items < M.max_items
            and readable(poe, loc.uri)
          then
            keys[key] = true
            table.insert(items, loc)
          end
        end
        pending = pending - 1
        if pending == 0 then
          if timer and not timer:is_closing() then
            timer:stop()
            timer:close()
          end
          vim.schedule(finish)
        end
      end, bufnr)
    end
  end
end

return M

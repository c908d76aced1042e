-- `:checkhealth poe`

local M = {}

--- The key, masked: its length and last two characters only.
---@param key string
---@return string
local function mask(key)
  return ('set, %d characters, ending …%s'):format(#key, key:sub(-2))
end

---@return vim.lsp.Config?
local function server_config()
  local ok, cfg = pcall(function()
    return vim.lsp.config.poe
  end)
  if ok then
    return cfg
  end
  return nil
end

function M.check()
  vim.health.start('poe')

  local version = vim.version()
  local version_text = ('Neovim %d.%d.%d'):format(version.major, version.minor, version.patch)
  if vim.fn.has('nvim-0.11') == 1 then
    vim.health.ok(version_text)
  else
    vim.health.error(version_text .. ': poe needs Neovim 0.11 or newer')
  end

  local cfg = server_config()
  local cmd = cfg and cfg.cmd
  if type(cmd) ~= 'table' or not cmd[1] then
    if type(cmd) == 'function' then
      vim.health.info('the server command is a function: not checked')
    else
      vim.health.error("no server config 'poe': is clients/neovim on 'runtimepath'?")
    end
  else
    local exe = cmd[1]
    local path = vim.fn.exepath(exe)
    if path == '' then
      vim.health.error(('server not found: %s is not executable'):format(exe), {
        'Install it: pipx install poe-lsp (or pip install . in the poe-lsp repository)',
        "Or point the plugin at it: vim.lsp.config('poe', { cmd = { '/path/to/poe-lsp' } })",
      })
    else
      local result = vim.system({ path, '--version' }, { text = true }):wait(10000)
      local out = vim.trim(result.stdout or '')
      if result.code == 0 and out ~= '' then
        vim.health.ok(('server found: %s (%s)'):format(path, out))
      else
        vim.health.error(
          ('server %s did not answer --version (exit %s)'):format(path, tostring(result.code))
        )
      end
    end
  end

  local init_key = cfg and cfg.init_options and cfg.init_options.apiKey
  local key = vim.env.POE_API_KEY
  if key and key ~= '' then
    vim.health.ok('POE_API_KEY ' .. mask(key))
  elseif type(init_key) == 'string' and init_key ~= '' then
    vim.health.ok('init_options.apiKey ' .. mask(init_key))
  else
    vim.health.warn('POE_API_KEY is not set: every job will fail', {
      'Export POE_API_KEY in the shell that starts Neovim (get a key at poe.com/api_key)',
    })
  end

  -- Why a refactor writes nothing at once: it is proposed for review.
  local init = cfg and cfg.init_options or {}
  local mode = vim.tbl_get(init, 'edits', 'mode') or init['edits.mode'] or 'review'
  if mode == 'review' or mode == 'confirm' then
    vim.health.info('edits.mode: review: edit jobs are proposed as an inline diff to :Poe accept')
  else
    vim.health.info(('edits.mode: %s: edit jobs write into the buffer'):format(tostring(mode)))
  end

  if not vim.lsp.is_enabled('poe') then
    vim.health.warn("the server is not enabled: call vim.lsp.enable('poe')")
  end
  local clients = vim.lsp.get_clients({ name = 'poe' })
  if #clients == 0 then
    vim.health.info('no poe-lsp client is running (it starts when a file is opened)')
  end
  for _, client in ipairs(clients) do
    local usage = require('poe.usage').summary_sync(client)
    if usage then
      vim.health.info('Poe usage: ' .. usage)
    else
      vim.health.info('Poe usage: the server did not answer poe.usage')
    end
    local bufs = vim.tbl_keys(client.attached_buffers)
    local info = client.server_info or {}
    vim.health.ok(
      ('client %d attached to %d buffer(s): %s %s, position encoding %s'):format(
        client.id,
        #bufs,
        info.name or 'poe-lsp',
        info.version or '?',
        client.offset_encoding
      )
    )
  end
end

return M

-- Only the :Poe command and <Plug> mappings; everything else loads on use.
if vim.g.loaded_poe then
  return
end
vim.g.loaded_poe = true

vim.api.nvim_create_user_command('Poe', function(opts)
  require('poe.commands').run(opts)
end, {
  nargs = '*',
  range = true,
  bang = true,
  desc = 'Poe: explain, refactor, document, fix, ask, bot, cancel, log, last, close',
  complete = function(arglead, cmdline, _)
    return require('poe.commands').complete(arglead, cmdline)
  end,
})

---@type { [1]: string, [2]: string, [3]: string }[] name, subcommand, description
local plugs = {
  { 'explain', 'explain', 'Explain the selection' },
  { 'refactor', 'refactor', 'Refactor the selection' },
  { 'document', 'document', 'Document the definition' },
  { 'fix', 'fix', 'Fix the diagnostics' },
  { 'ask', 'ask', 'Ask about the selection' },
}
for _, plug in ipairs(plugs) do
  local lhs = ('<Plug>(poe-%s)'):format(plug[1])
  vim.keymap.set('n', lhs, ('<Cmd>Poe %s<CR>'):format(plug[2]), { desc = 'Poe: ' .. plug[3] })
  -- ':' in Visual mode sets the '< '> marks and inserts the range.
  vim.keymap.set(
    'x',
    lhs,
    (':Poe %s<CR>'):format(plug[2]),
    { silent = true, desc = 'Poe: ' .. plug[3] }
  )
end
vim.keymap.set('n', '<Plug>(poe-cancel)', '<Cmd>Poe cancel<CR>', { desc = 'Poe: Cancel jobs' })
vim.keymap.set(
  'n',
  '<Plug>(poe-last)',
  '<Cmd>Poe last<CR>',
  { desc = 'Poe: Reopen the last explanation' }
)
vim.keymap.set('n', '<Plug>(poe-bot)', '<Cmd>Poe bot<CR>', { desc = 'Poe: Choose the bot' })

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
  desc = 'Poe: explain, refactor, document, fix, ask, follow, accept, reject, bot, cancel, log, last, close',
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
vim.keymap.set('n', '<Plug>(poe-follow)', '<Cmd>Poe follow<CR>', {
  desc = 'Poe: Follow up on the last answer',
})
-- The "Follow up on …" code action carries no prompt: ask for it here.
vim.lsp.commands['poe.followUp'] = function(command, ctx)
  require('poe.follow').command(command, ctx)
end
vim.keymap.set('n', '<Plug>(poe-bot)', '<Cmd>Poe bot<CR>', { desc = 'Poe: Choose the bot' })

-- Review proposals: the hunk under the cursor, or every hunk of the buffer.
vim.keymap.set('n', '<Plug>(poe-accept)', '<Cmd>Poe accept<CR>', {
  desc = 'Poe: Accept the proposed change under the cursor',
})
vim.keymap.set('n', '<Plug>(poe-reject)', '<Cmd>Poe reject<CR>', {
  desc = 'Poe: Reject the proposed change under the cursor',
})
vim.keymap.set('n', '<Plug>(poe-accept-all)', '<Cmd>Poe! accept<CR>', {
  desc = 'Poe: Accept every proposed change of the buffer',
})
vim.keymap.set('n', '<Plug>(poe-reject-all)', '<Cmd>Poe! reject<CR>', {
  desc = 'Poe: Reject every proposed change of the buffer',
})
for lhs, direction in pairs({ ['<Plug>(poe-next-hunk)'] = 1, ['<Plug>(poe-prev-hunk)'] = -1 }) do
  vim.keymap.set({ 'n', 'x' }, lhs, function()
    require('poe').jump(direction, vim.v.count1)
  end, { desc = direction == 1 and 'Poe: Next proposed change' or 'Poe: Previous proposed change' })
end

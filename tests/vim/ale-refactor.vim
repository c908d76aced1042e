" ale-refactor.vim --- a refactor requested from the menu, then accepted
" through the proposal's "Accept all …" code action (ALE has no applyEdit).
try
  source <sfile>:h/ale-test.vim
  call PoeOpen()
  call PoeCodeAction(2, 5, 'Refactor with')
  call PoeWait('PoeShown("FencedCodeBot")', 'the proposal''s message')
  let s:status = PoeWaitIdle()
  call PoeCodeAction(2, 5, 'Accept all')
  call PoeWait('getline(2) =~# "sum"', 'the accepted proposal')
  call PoeWrite({'running': PoeStatus().runningJobs})
  qall!
catch
  call writefile([v:exception . ' at ' . v:throwpoint], $POE_TEST_RESULT . '.error')
  cquit!
endtry

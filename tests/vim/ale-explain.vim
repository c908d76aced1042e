" ale-explain.vim --- an explanation picked from the menu, read with :ALEHover
try
  source <sfile>:h/ale-test.vim
  call PoeOpen()
  call PoeCodeAction(2, 5, 'Explain with')
  call PoeWait('PoeShown("ExplainBot")', 'the explanation''s message')
  let s:status = PoeWaitIdle()
  let s:announced = {'echoed': PoeEchoed(), 'preview': PoePreview()}
  call cursor(3, 5)
  ALEHover
  call PoeWait('PoePreview() =~# "sum"', 'the hover in the preview window')
  call PoeWrite({'running': s:status.runningJobs, 'announced': s:announced})
  qall!
catch
  call writefile([v:exception . ' at ' . v:throwpoint], $POE_TEST_RESULT . '.error')
  cquit!
endtry

" ale-test.vim --- drive Vim's ALE against poe-lsp, headless
"
" Sourced by a scenario that tests/test_ale.py runs with
" `vim -N -u NONE -i NONE -es -S scenario.vim`.  It loads Debian's ALE
" (`packadd ale`), then the README's ALE snippet ($POE_TEST_SNIPPET) as a
" user's after/plugin file, names the user's bot ($POE_TEST_BOT, with
" $POE_TEST_PARAMETERS as its botParameters) and opens $POE_TEST_FILE.
" Results go to $POE_TEST_RESULT as JSON; any error exits non-zero.

set nocompatible
filetype on
packadd ale
execute 'source' fnameescape($POE_TEST_SNIPPET)

let g:poe_menus = []
let g:poe_status = v:null

for s:linter in ale#linter#GetAll(['python'])
  if s:linter.name is# 'poe-lsp'
    let s:linter.initialization_options.bot = $POE_TEST_BOT
    let s:linter.initialization_options.botParameters =
    \   {$POE_TEST_BOT: json_decode($POE_TEST_PARAMETERS)}
    let s:linter.command .= ' --log-file ' . shellescape($POE_TEST_LOG)
  endif
endfor

" What ALE puts in front of the user: the command line (everything echoed
" from here on, in g:poe_echoed) and the preview window.
let g:poe_echoed = ''
let s:echoing = ''
redir => s:echoing

" Everything echoed so far (a redirection fills its variable only at its end).
function! PoeEchoed() abort
  redir END
  let g:poe_echoed .= s:echoing
  redir => s:echoing
  return g:poe_echoed
endfunction

function! PoePreview() abort
  return bufexists('ALEPreviewWindow') ? join(getbufline('ALEPreviewWindow', 1, '$'), "\n") : ''
endfunction

" The code-action menu: remember it, answer with the entry the scenario
" wants (g:poe_pick, the start of its title), as a user types its number.
function! ale#util#Input(message, value, ...) abort
  call add(g:poe_menus, a:message)
  for l:line in split(a:message, "\n")
    let l:match = matchlist(l:line, '^\(\d\+\)) \(.*\)$')
    if !empty(l:match) && stridx(l:match[2], g:poe_pick) == 0
      return l:match[1]
    endif
  endfor
  throw 'no code action starting with ' . g:poe_pick . ' in: ' . a:message
endfunction

function! PoeWait(condition, what) abort
  let l:deadline = reltimefloat(reltime()) + 20
  while !eval(a:condition)
    if reltimefloat(reltime()) > l:deadline
      throw 'timed out waiting for ' . a:what
    endif
    sleep 20m
  endwhile
endfunction

function! PoeOpen() abort
  execute 'edit' fnameescape($POE_TEST_FILE)
  setfiletype python
  " What ALE does on entering a buffer (g:ale_lint_on_enter): check it with
  " every linter, which connects to poe-lsp and listens to what it says.
  ALELint
endfunction

" Pick from the code-action menu for whole lines first..last, as
" `:'<,'>ALECodeAction` does after a visual selection.
function! PoeCodeAction(first, last, pick) abort
  let g:poe_pick = a:pick
  let l:menus = len(g:poe_menus)
  call setpos("'<", [0, a:first, 1, 0])
  call setpos("'>", [0, a:last, len(getline(a:last)), 0])
  call ale#codefix#Execute(1)
  call PoeWait('len(g:poe_menus) > ' . l:menus, 'the code-action menu')
endfunction

function! PoeShown(text) abort
  return stridx(PoeEchoed(), a:text) >= 0 || stridx(PoePreview(), a:text) >= 0
endfunction

" poe/status through ALE's own connection to the server.
function! s:StatusResponse(conn_id, response) abort
  if get(a:response, 'id', -1) == get(g:, 'poe_status_id', -2)
    let g:poe_status = a:response.result
  endif
endfunction

function! s:StatusReady(linter, details) abort
  call ale#lsp#RegisterCallback(a:details.connection_id, function('s:StatusResponse'))
  let g:poe_status_id = ale#lsp#Send(a:details.connection_id, [0, 'poe/status', {}])
endfunction

function! PoeStatus() abort
  for l:linter in ale#linter#Get('python')
    if l:linter.name is# 'poe-lsp'
      let g:poe_status = v:null
      call ale#lsp_linter#StartLSP(bufnr(''), l:linter, function('s:StatusReady'))
      call PoeWait('g:poe_status isnot v:null', 'poe/status')
      return g:poe_status
    endif
  endfor
  throw 'no poe-lsp linter'
endfunction

function! PoeWaitIdle() abort
  let l:deadline = reltimefloat(reltime()) + 20
  while PoeStatus().runningJobs != 0
    if reltimefloat(reltime()) > l:deadline
      throw 'timed out waiting for the job to end'
    endif
    sleep 20m
  endwhile
  return g:poe_status
endfunction

function! PoeWrite(result) abort
  let l:result = extend(copy(a:result), {
  \   'echoed': PoeEchoed(),
  \   'preview': PoePreview(),
  \   'menus': g:poe_menus,
  \   'text': join(getline(1, '$'), "\n") . "\n",
  \   'errors': v:errmsg,
  \})
  call writefile([json_encode(l:result)], $POE_TEST_RESULT)
endfunction

"""Follow-ups: ``poe.followUp {jobId, prompt, bot?}`` and the "Follow up on …" code actions.

Every job that finishes ``done`` with an answer keeps its conversation
(:mod:`poe_lsp.core.conversation`): the messages it sent and the answer, its
bot, action, parameters, and its range, which follows the document from then
on.  Failed and cancelled jobs keep nothing: their answer is partial, and
going on from half an answer would confuse the bot and the user alike.

A follow-up sends the whole conversation plus the new prompt, to the same bot
unless ``bot`` names another (which then needs the usual consent), and is
delivered like the job it continues: an explanation's follow-up is an
explanation (streamed, then on hover); an edit job's follow-up rewrites the
same range, now tracked, by ``edits.mode`` (a new review proposal by
default).  Its prompt then carries the range's text as it stands now, so that
"keep the old names" applies to the code the user has, accepted or not.
The follow-up keeps the longer conversation under its own id: follow-ups chain.

Code actions: clients that render jobs themselves (ours) get "Follow up on
<Action> with <bot>…", a ``poe.followUp`` without a prompt that they intercept
to ask for one; every other client gets two ready prompts as actions, since
LSP has no request that asks the user for text.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from lsprotocol import types

from poe_lsp.core.actions import TITLES
from poe_lsp.core.conversation import Conversation, ConversationStore, FollowedRange, Turn, trimmed
from poe_lsp.core.planning import plan_document
from poe_lsp.core.prompts import edit_output_hint
from poe_lsp.core.settings import Settings
from poe_lsp.core.textdoc import Span

from .arguments import invalid, pick_bot, shown, the_argument
from .commands import refuse_overlap, relative_path
from .jobs import CostQuestion, Job, JobHooks, JobManager, JobSpec, Prepared
from .positions import span_of
from .server import PoeServer

log = logging.getLogger(__name__)

COMMAND = "poe.followUp"
KIND = types.CodeActionKind.RefactorRewrite

READY_PROMPTS = {
    False: ("Make that shorter.", "Go into more detail."),
    True: (
        "Keep the original names and structure; change only what is needed.",
        "Make it simpler.",
    ),
}
"""What a client that cannot ask for text is offered, for an explanation / an edit."""

Store = ConversationStore[FollowedRange]


def _title(action: str) -> str:
    return TITLES.get(action, action.capitalize())


class FollowUps(JobHooks):
    """The session's conversations, and how a follow-up continues one."""

    def __init__(self, server: PoeServer, jobs: JobManager) -> None:
        self.server = server
        self.jobs = jobs
        self.store: Store = ConversationStore(on_drop=self._forget)

    def _forget(self, conversation: Conversation[FollowedRange]) -> None:
        self.server.documents.untrack(conversation.uri, conversation.place)

    # -- keeping ------------------------------------------------------------------------

    def finished(self, job: Job) -> None:
        """Keep a finished job's conversation (a done job with an answer only)."""
        spec = job.spec
        doc = self.server.documents.get(spec.uri)
        if job.status != "done" or not job.text.strip() or doc is None:
            return
        if job.writer is not None:
            span = job.writer.tracker.span
        elif job.region is not None:
            span = job.region.span
        else:
            span = spec.span
        place = FollowedRange(Span(min(span.start, len(doc.text)), min(span.end, len(doc.text))))
        self.server.documents.track(spec.uri, place)
        turns = trimmed((*spec.history, Turn("user", spec.prompt), Turn("bot", job.text)))
        self.store.add(
            Conversation(
                job_id=job.id,
                bot=spec.bot,
                action=spec.action,
                uri=spec.uri,
                edits=spec.edits,
                parameters=dict(spec.parameters),
                turns=turns,
                place=place,
                path=relative_path(self.server, spec.uri),
                language=doc.language_id,
            )
        )

    # -- the command ----------------------------------------------------------------------

    async def follow_up(self, params: types.ExecuteCommandParams) -> dict[str, str]:
        """``poe.followUp {jobId, prompt, bot?}``: answers ``{jobId}`` of the new job."""
        server = self.server
        arg = the_argument(COMMAND, params)
        await server.ready()
        job_id = arg.get("jobId")
        if not isinstance(job_id, str) or not job_id:
            raise invalid(f"{COMMAND} needs a 'jobId': the id a job command answered.")
        prompt = arg.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise invalid(f"{COMMAND} needs a 'prompt': what the bot should do next.")
        if job_id in self.jobs.running:
            raise invalid(
                f"{COMMAND}: job {shown(job_id, 100)} is still running; wait for it to "
                "finish, then follow up."
            )
        conv = self.store.get(job_id)
        if conv is None:
            raise invalid(
                f"{COMMAND}: no finished answer has job id {shown(job_id, 100)}; only jobs "
                f"that ended with an answer can be followed up (the last {self.store.limit} "
                "are kept)."
            )
        doc = server.documents.get(conv.uri)
        if doc is None or conv.place.closed:
            raise invalid(
                f"{COMMAND}: the document of job {shown(job_id, 100)} was closed since; run a "
                "new job on it instead."
            )
        bot = conv.bot if arg.get("bot") is None else pick_bot(server, COMMAND, conv.action, arg)
        end = min(conv.place.span.end, len(doc.text))
        span = Span(min(conv.place.span.start, end), end)
        message, render, stream_edits = prompt, None, True
        if conv.edits:
            refuse_overlap(self.jobs, doc.uri, span)
            message, span, render, stream_edits = self._edit_message(conv, prompt, doc.text, span)

        def prepare(settings: Settings) -> Prepared:
            # The same bot goes on with the parameters it started with; another
            # bot gets its own from the settings.
            parameters = dict(conv.parameters) if bot == conv.bot else settings.parameters_for(bot)
            return Prepared(message, parameters, (), settings.answer_max_chars)

        plan = self.jobs.consent.costs.plan(server.user_settings, server.settings, bot)
        payload = prepare(plan.if_allowed)
        question = CostQuestion(plan.ask, prepare(plan.if_refused)) if plan.ask else None
        spec = JobSpec(
            action=conv.action,
            uri=conv.uri,
            span=span,
            bot=bot,
            prompt=payload.prompt,
            parameters=payload.parameters,
            edits=conv.edits,
            title=f"Poe · Follow-up · {_title(conv.action)} · {bot}",
            work_done_token=params.work_done_token,
            render=render,
            stream_edits=stream_edits,
            answer_max_chars=payload.answer_max_chars,
            cost_question=question,
            history=conv.turns,
        )
        if conv.edits:
            # The follow-up's proposal replaces the one it follows up on.
            server.proposals.replace_overlapping(conv.uri, span)
        job = self.jobs.start(spec)
        log.info("%s follows up on %s (%d earlier messages)", job.id, job_id, len(conv.turns))
        return {"jobId": job.id}

    def _edit_message(
        self, conv: Conversation[FollowedRange], prompt: str, text: str, span: Span
    ) -> tuple[str, Span, Any, bool]:
        """An edit follow-up's message (the prompt and the code as it is now), its
        target span, renderer and whether it may stream edits."""
        if conv.action == "document":
            plan = plan_document(text, conv.language, span.start, span.end)
            if plan is not None:
                shown_text = text[plan.prompt_span.start : plan.prompt_span.end]
                message = (
                    f"{prompt}\n\nThe definition as it stands now in {conv.path}:\n"
                    f"```{conv.language}\n{shown_text}\n```\n"
                    "Answer with the documentation text only, as before."
                )
                return message, plan.span, plan.render, False
        current = text[span.start : span.end]
        message = (
            f"{prompt}\n\nThe code to rewrite, as it stands now in {conv.path} (it may "
            f"differ from your last answer):\n```{conv.language}\n{current}\n```\n\n"
            f"{edit_output_hint}"
        )
        return message, span, None, True

    # -- code actions ------------------------------------------------------------------------

    def code_actions(
        self, server: PoeServer, params: types.CodeActionParams
    ) -> list[types.CodeAction]:
        """ "Follow up on …" for the newest conversation whose range the request touches."""
        uri = params.text_document.uri
        doc = server.documents.get(uri)
        if doc is None:
            return []
        asked = span_of(doc, params.range, server.encoding)
        found = None
        for conv in self.store:
            where = conv.place.span
            if conv.uri == uri and not conv.place.closed and _touches(where, asked):
                found = conv
        if found is None or found.job_id in self.jobs.running:
            return []
        what = f"Follow up on {_title(found.action)} with {found.bot}"
        base = {"jobId": found.job_id, "bot": found.bot}
        if server.renders_jobs:
            # Our clients intercept this command and ask for the prompt.
            return [_action(f"{what}…", base)]
        return [
            _action(f"{what}: {ready}", {**base, "prompt": ready})
            for ready in READY_PROMPTS[found.edits]
        ]


def _touches(where: Span, asked: Span) -> bool:
    """Whether a request's range (or cursor) lies on a conversation's range."""
    return asked.start <= where.end and where.start <= asked.end


def _action(title: str, argument: dict[str, Any]) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=KIND,
        command=types.Command(title=title, command=COMMAND, arguments=[argument]),
    )


def setup(server: PoeServer, jobs: JobManager) -> FollowUps:
    """Keep every finished job's conversation and register ``poe.followUp``."""
    follow_ups = FollowUps(server, jobs)
    jobs.hooks.append(follow_ups)
    server.register_command(COMMAND, partial(_follow_up, follow_ups=follow_ups))
    return follow_ups


async def _follow_up(
    server: PoeServer, params: types.ExecuteCommandParams, *, follow_ups: FollowUps
) -> dict[str, str]:
    return await follow_ups.follow_up(params)

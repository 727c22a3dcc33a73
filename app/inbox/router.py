"""``/api/v1/me/messages``: the signed-in person's inbox. Only ever one's own messages: another
person's message id answers 404, exactly like one that does not exist."""

from __future__ import annotations

from fastapi import APIRouter

from app.deps import ApiUser, SessionDep
from app.inbox import service
from app.inbox.models import InboxMessage
from app.inbox.schemas import MessageList, MessageRead, MessageSummary

router = APIRouter(prefix="/api/v1/me/messages", tags=["inbox"])


def _summary(session: SessionDep, message: InboxMessage) -> dict[str, object]:
    return {
        "id": message.id, "kind": message.kind, "subject": message.subject,
        "created_at": message.created_at, "read": message.read_at is not None,
        "outdated": service.outdated_reason(session, message) is not None,
    }  # fmt: skip


@router.get("", response_model=MessageList)
def list_messages(user: ApiUser, session: SessionDep) -> MessageList:
    """Your messages, newest first (the last 100), and how many are unread."""
    items = [
        MessageSummary.model_validate(_summary(session, m))
        for m in service.messages_of(session, user.id)
    ]
    return MessageList(unread=service.unread_count(session, user.id), items=items)


@router.get("/{message_id:int}", response_model=MessageRead)
def read_message(message_id: int, user: ApiUser, session: SessionDep) -> MessageRead:
    """One of your messages; opening it marks it read."""
    message = service.open_message(session, user.id, message_id)
    return MessageRead.model_validate(
        {**_summary(session, message), "locale": message.locale,
         "body_text": message.body_text, "body_html": message.body_html}
    )  # fmt: skip

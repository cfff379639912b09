"""indexes for the review queue at 100,000 documents (bench/review.py): documents in review in arrival order and
per channel, the latest suggestion of a document, suggestions by label, and flagged or unreadable pages

Revision ID: 0006
Revises: 0005
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

INDEXES = (
    # The queue's order (oldest first) and the previous/next links walk this without sorting.
    ('ix_documents_state_received_at', 'documents', ['state', 'received_at']),
    # Counts per channel read the index alone.
    ('ix_documents_state_channel', 'documents', ['state', 'channel']),
    # max(id) of a document's suggestions for one target: one index probe.
    ('ix_suggestions_latest', 'suggestions', ['document_id', 'target', 'id']),
    # The program filter starts from the suggestions with that label.
    ('ix_suggestions_target_label', 'suggestions', ['target', 'label', 'document_id']),
    # The "por transcribir" and "página ilegible" filters start from the few flagged pages.
    ('ix_pages_needs_transcription', 'pages', ['needs_transcription', 'document_id']),
    ('ix_pages_error_code', 'pages', ['error_code', 'document_id']),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)

"""an index on the pages' origin (the document a moved or split page came from): after each document the pipeline
asks for the petitions split from it (pipeline/batches.py parts_waiting), and an ARCO dossier for the pages moved out
of a document (review/reports/arco.py); without it each question reads every page

Revision ID: 0017
Revises: 0016
"""
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_pages_origin_document_id', 'pages', ['origin_document_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_pages_origin_document_id', table_name='pages')

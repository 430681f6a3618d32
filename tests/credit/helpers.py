"""Helpers of the credit tests."""

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.services import document_store


def evidence_for(officer, name: str = "处罚决定书.pdf"):
    """A stored PDF evidence document uploaded by `officer`."""
    upload = SimpleUploadedFile(name, b"%PDF-1.4\n% evidence\n", content_type="application/pdf")
    return document_store(upload=upload, organisation=officer.organisation, user=officer)

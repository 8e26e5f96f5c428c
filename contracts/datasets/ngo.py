"""Civil-society partners: sessions and attendance."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from contracts.base import DatasetContract, KeyedContract
from contracts.columns import Date, Identifier, PersonKey, ProgrammeCode, Text
from contracts.enums import Activity, ArrivedWith, Role


class SessionV1(KeyedContract):
    """A session held by an NGO (a Tuesday in the garden, a peer-group meeting ...)."""

    dataset: ClassVar[str] = "sessions"
    source: ClassVar[str] = "ngo"
    natural_key: ClassVar[tuple[str, ...]] = ("session_id",)

    session_id: Identifier = Field(description="The session's identifier.")
    ngo_id: Identifier = Field(description="The NGO holding the session.")
    activity: Activity = Field(description="garden_community, peer_group, open_meeting_place, movement or other.")
    site: Text = Field(description="Where the session is held: free text, Danish letters allowed.")
    held_on: Date = Field(description="Date of the session.")
    programme: ProgrammeCode | None = Field(None, description="Programme code when the session belongs to one.")


class AttendanceV1(DatasetContract):
    """Who attended a session; delivered per session (a later file replaces the session's rows)."""

    dataset: ClassVar[str] = "attendance"
    source: ClassVar[str] = "ngo"
    natural_key: ClassVar[tuple[str, ...]] = ()
    replaced_per: ClassVar[str] = "session_id"

    session_id: Identifier = Field(description="The session attended; should exist in sessions.")
    person_key: PersonKey | None = Field(None, description="Pseudonym of the attendee; null for attendees who are not enrolled (volunteers, neighbours).")
    role: Role = Field(description="participant, volunteer, staff or intern.")
    arrived_with: ArrivedWith | None = Field(None, description="How the person came: own, staff or group.")

"""Civil-society partners: sessions and attendance."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from contracts.base import DatasetContract, KeyedContract
from contracts.columns import Date, Identifier, PersonKey, ProgrammeCode, Text
from contracts.enums import Activity, ArrivedWith, Role


class SessionV1(KeyedContract):
    """A session held by an NGO (a Tuesday in the garden, a peer-group meeting ...)."""

    title_da: ClassVar[str] = "En aktivitet holdt af en frivillig organisation (en tirsdag i haven, et peer-gruppemøde ...)."

    dataset: ClassVar[str] = "sessions"
    source: ClassVar[str] = "ngo"
    natural_key: ClassVar[tuple[str, ...]] = ("session_id",)

    session_id: Identifier = Field(description="The session's identifier.", json_schema_extra={"da": "Aktivitetens id."})
    ngo_id: Identifier = Field(description="The NGO holding the session.", json_schema_extra={"da": "Organisationen, der holder aktiviteten."})
    activity: Activity = Field(description="garden_community, peer_group, open_meeting_place, movement or other.", json_schema_extra={"da": "garden_community, peer_group, open_meeting_place, movement eller other."})
    site: Text = Field(description="Where the session is held: free text, Danish letters allowed.", json_schema_extra={"da": "Hvor aktiviteten holdes: fri tekst, æ, ø og å er tilladt."})
    held_on: Date = Field(description="Date of the session.", json_schema_extra={"da": "Dato for aktiviteten."})
    programme: ProgrammeCode | None = Field(None, description="Programme code when the session belongs to one.", json_schema_extra={"da": "Programkode, når aktiviteten hører til et program."})


class AttendanceV1(DatasetContract):
    """Who attended a session; delivered per session (a later file replaces the session's rows)."""

    title_da: ClassVar[str] = "Hvem der deltog i en aktivitet; leveres pr. aktivitet (en senere fil erstatter aktivitetens rækker)."

    dataset: ClassVar[str] = "attendance"
    source: ClassVar[str] = "ngo"
    natural_key: ClassVar[tuple[str, ...]] = ()
    replaced_per: ClassVar[str] = "session_id"

    session_id: Identifier = Field(description="The session attended; should exist in sessions.", json_schema_extra={"da": "Aktiviteten, personen deltog i; bør findes i sessions."})
    person_key: PersonKey | None = Field(None, description="Pseudonym of the attendee; null for attendees who are not enrolled (volunteers, neighbours).", json_schema_extra={"da": "Deltagerens pseudonym; tom for deltagere uden forløb (frivillige, naboer)."})
    role: Role = Field(description="participant, volunteer, staff or intern.", json_schema_extra={"da": "participant, volunteer, staff eller intern."})
    arrived_with: ArrivedWith | None = Field(None, description="How the person came: own, staff or group.", json_schema_extra={"da": "Hvordan personen kom: own (selv), staff (med personale) eller group (med gruppen)."})

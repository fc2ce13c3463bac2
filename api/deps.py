"""Injected services, as ``Annotated`` aliases so routes read as their domain.

Dependencies that only read application state are ``async``: FastAPI runs a plain ``def``
dependency in the thread pool, a hand-off per dependency per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from graph.clock import Clock
from graph.repository import Repository
from graph.rules import RuleSet
from graph.settings import Settings


async def _repository(request: Request) -> Repository:
    repo: Repository = request.app.state.repository
    return repo


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def _rules(request: Request) -> RuleSet:
    rules: RuleSet = request.app.state.rules
    return rules


# What "today" is for a route: the date in China by the app's clock, never the server's date.
ClockDep = Annotated[Clock, Depends(_clock)]
RulesDep = Annotated[RuleSet, Depends(_rules)]
RepositoryDep = Annotated[Repository, Depends(_repository)]
SettingsDep = Annotated[Settings, Depends(_settings)]

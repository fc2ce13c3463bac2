"""Injected services, as ``Annotated`` aliases so routes read as their domain.

Every alias hands out a part of the one :class:`~graph.services.Services` the app was
created with. Dependencies that only read application state are ``async``: FastAPI runs a
plain ``def`` dependency in the thread pool, a hand-off per dependency per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from graph.clock import Clock
from graph.propagation.rules import RuleSet
from graph.review.credit_review import ReviewPolicy
from graph.services import Services
from graph.settings import Settings
from graph.store.repository import Repository


async def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]


async def _repository(services: ServicesDep) -> Repository:
    return services.repository


async def _settings(services: ServicesDep) -> Settings:
    return services.settings


async def _rules(services: ServicesDep) -> RuleSet:
    return services.rules


async def _policy(services: ServicesDep) -> ReviewPolicy:
    return services.policy


async def _clock(services: ServicesDep) -> Clock:
    return services.clock


RepositoryDep = Annotated[Repository, Depends(_repository)]
SettingsDep = Annotated[Settings, Depends(_settings)]
RulesDep = Annotated[RuleSet, Depends(_rules)]
PolicyDep = Annotated[ReviewPolicy, Depends(_policy)]
ClockDep = Annotated[Clock, Depends(_clock)]

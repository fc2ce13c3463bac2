"""Synthetic province: the canonical CSV files (``LAYOUTS.md``) of a realistic province.

:func:`generate_province` writes one UTF-8 CSV per kind (departments, organizations, persons,
legal_reps, officers, shareholdings, branches, licences, records) for ``orgs`` organisations
and about 1.25 persons per organisation. The same ``seed`` gives byte-identical files: one
``random.Random(seed)`` drives everything, and every date is relative to ``as_of``.

The files hold synthetic *raw* resident ID numbers, as a department's export would: they are
loader input. Write them to a scratch directory and never commit them.

What the data looks like
------------------------
- Organisations spread over the home province's prefectures by economic weight (Suzhou,
  Nanjing, Wuxi biggest in Jiangsu) on county codes ``<prefecture><2 digits>`` (real county
  codes for Jiangsu), and ``partner_share`` of them in the partner provinces of the Delta.
- Kinds: ~70% ``individual_business`` (owner is legal rep and 100% shareholder), ~27%
  ``enterprise``, a few ``farmer_coop``, ``social_org``, ``public_institution``, and a handful
  of ``state_asset_holder`` hubs (``hub=true``) holding stakes in many firms.
- Registered capital is lognormal, in 万元 (10,000 CNY), rounded to two significant figures
  as registrations are. Corporate shareholders are drawn by preferential attachment, so a
  few groups own many subsidiaries, in chains of several levels; a few stakes close
  ownership cycles; big firms have branches (``BRANCH_OF`` branch → head office).
- A third of the biggest joint-stock companies, and half the roots of holding pyramids, are
  listed: a unique ``stock_code`` of the Shanghai or Shenzhen boards.
- Some persons are legal rep of 2–5 firms; officers sit on several boards; ~5% of persons
  have no ID number and are referenced by ``person_key`` everywhere; ~1–2% hold licences of
  the 23 occupations and practise at an organisation.
- Family clusters (a controller, spouse and same-surname relatives around a holding firm)
  and shell clusters (a nominee legal rep of many small firms in one county, set up after
  the real boss's firm was blacklisted) surround sanctioned subjects.
- Records of every list, level, category and status: ~3% of organisations carry a black or
  focus record, ~1% a red one, some persons are judgment debtors. Publication windows
  follow the level (domain.md); a record is ``expired`` once its window closed, some are
  ``repaired`` after the minimum period, a few ``revoked`` or ``under_objection``.
  ``record_id`` is ``<department code>-<year>-<sequence>``.
- Some relationships are historical (``until`` in the past): a legal rep replaced, a
  founder who sold out to a group. Sum ratios over current stakes only.

Tricky-but-valid cases for propagation and ownership tests
----------------------------------------------------------
Right after the hubs (the first rows of ``organizations.csv``), in this order:

1. A pyramid: a controller holds 90% of a listed root firm (the provincial hub 10%), which
   holds a chain of subsidiaries four levels deep (100%, 70%, 60%, 51%). The root also has
   an ``honorary_chairman`` (名誉董事长: a title, not a board seat).
2. An ownership cycle X → Y → Z → X (60%, 70%, 20%) and a cross-holding A ↔ B (30%, 15%).
3. A severely sanctioned firm S (an active severe ``judgment_debtor`` black record and an
   active serious ``tax`` focus record) in which the provincial hub holds 51%, with a
   branch and an 80% subsidiary. S's legal representative is a director and 30%
   shareholder of another firm E (Company Law art. 178).
4. A firm with an active severe ``environment`` black record whose legal representative
   has no ID number (``person_key`` only).
5. Four firms whose black records pass nothing on, or only a pending flag: a severe one
   ``under_objection``, a severe one ``revoked``, a serious one ``repaired``, a severe one
   ``expired``.

The hubs are the first organisations: the provincial one (region ``XX0000``), then those of
the largest prefectures (region ``XXXX00``). They hold stakes in 5% of enterprises.

Where things are
----------------
``province`` orders the whole run and streams the rows; ``organisations``, ``persons``,
``records`` and ``relationships`` make each kind of row; ``clusters`` builds the groups and
the showcase above. The builders are layers of one class (``state`` → ``persons`` →
``records`` → ``relationships`` → ``organisations`` → ``clusters``), each using the ones
below it, because they share one random stream: the order of draws is the output.
"""

from loaders.synthetic.province import SHARED_ORGS, generate_province

__all__ = ["SHARED_ORGS", "generate_province"]

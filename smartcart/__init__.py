"""SmartCart's build tooling: loader, warehouse build and publish, exports, report, benchmark.

Each user-facing module is a console command of the project (pyproject.toml, [project.scripts]).
"""

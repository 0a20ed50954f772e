from django.urls import path

from posventa.cases import exports, views, views_documents, views_list, views_team

app_name = "cases"

urlpatterns = [
    path("bandeja/", views.inbox, name="inbox"),
    path("alertas/<id:pk>/leida/", views.alert_read, name="alert_read"),
    path("alertas/leidas/", views.alerts_read_all, name="alerts_read_all"),
    path("tareas/<uuid:task_id>/", views.task_detail, name="task"),
    path("tareas/<uuid:task_id>/tomar/", views.task_claim, name="task_claim"),
    path("tareas/<uuid:task_id>/liberar/", views.task_release, name="task_release"),
    path("casos/", views_list.case_list, name="list"),
    path("casos.xlsx", exports.cases_xlsx, name="cases_xlsx"),
    path("equipo/", views_team.team, name="team"),
    path("equipo/tareas/<uuid:task_id>/", views_team.task_reassign, name="task_reassign"),
    path("casos/<number:number>/", views.case_detail, name="detail"),
    path("casos/<number:number>/cancelar/", views.case_cancel, name="cancel"),
    path("casos/<number:number>/documentos/<id:pk>/", views.case_document, name="document"),
    path(
        "casos/<number:number>/documentos/",
        views_documents.case_documents,
        name="documents",
    ),
    path(
        "casos/<number:number>/documentos/<id:pk>/reintentar/",
        views_documents.document_retry,
        name="document_retry",
    ),
    path("clientes/<id:company_pk>/casos/nuevo/", views.case_new, name="new"),
]
